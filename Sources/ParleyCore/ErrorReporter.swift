/// An unexpected failure worth an operator's attention (a 500, an engine crash, a worker fault).
public struct ErrorEvent: Sendable, Equatable {
    /// A short stable kind, such as `engine_crash` or `internal_error`.
    public var kind: String
    public var message: String
    /// Searchable values: `request_id`, `model`, `job_id`.
    public var tags: [String: String]

    public init(kind: String, message: String, tags: [String: String] = [:]) {
        self.kind = kind
        self.message = message
        self.tags = tags
    }
}

/// Sends error events somewhere operators look. `report` never blocks and never throws.
public protocol ErrorReporter: Sendable {
    func report(_ event: ErrorEvent)
}
