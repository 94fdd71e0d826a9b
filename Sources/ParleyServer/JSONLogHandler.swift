import Foundation
import Logging
import Synchronization

/// Writes each log event as one JSON line: time, level, label, message, then metadata
/// (`request_id`, `job_id`, `item_id`, ...) as top-level fields.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let output: @Sendable (Data) -> Void

    /// - Parameter output: where lines go; standard error by default.
    public init(label: String, output: @escaping @Sendable (Data) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [String: Any] = [:]
        let merged = metadata.merging(metadataProvider?.get() ?? [:]) { $1 }.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged { fields[key] = Self.json(value) }
        fields["ts"] = Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
        fields["level"] = event.level.rawValue
        fields["label"] = label
        fields["msg"] = event.message.description
        fields["source"] = event.source
        if let error = event.error { fields["error"] = "\(error)" }
        guard var line = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        line.append(0x0A)
        output(line)
    }

    static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): string
        case .stringConvertible(let convertible): convertible.description
        case .array(let array): array.map(json)
        case .dictionary(let dictionary): dictionary.mapValues(json)
        }
    }

    private static let lock = Mutex(())

    /// Writes a whole line to standard error in one call, so lines never interleave.
    public static let standardError: @Sendable (Data) -> Void = { data in
        lock.withLock { _ in FileHandle.standardError.write(data) }
    }
}
