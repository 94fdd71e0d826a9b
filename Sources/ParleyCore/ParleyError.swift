/// An error with a stable `code`, used in API responses, item rows and metric labels.
///
/// The message is safe to show to clients; details for operators go to the log.
public struct ParleyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The stable machine-readable code, such as `invalid_audio`.
    public let code: String
    /// A human-readable explanation, safe to return to clients.
    public let message: String
    /// The request field the error refers to, when there is one (`items[2].base64`).
    public let param: String?
    /// The HTTP status the API answers with for this error.
    public let status: Int
    /// Whether the worker may retry an item that failed with this error.
    public let retryable: Bool

    /// Creates an error; prefer the static constructors, which fix status and retryability per code.
    public init(code: String, message: String, param: String? = nil, status: Int = 400, retryable: Bool = false) {
        self.code = code
        self.message = message
        self.param = param
        self.status = status
        self.retryable = retryable
    }

    public var description: String { "\(code): \(message)" }

    /// The same error, naming the request field it refers to.
    public func with(param: String) -> ParleyError {
        ParleyError(code: code, message: message, param: param, status: status, retryable: retryable)
    }
}

extension ParleyError {
    public static func invalidRequest(_ message: String, param: String? = nil) -> ParleyError {
        .init(code: "invalid_request", message: message, param: param)
    }
    public static func invalidJSON(_ message: String) -> ParleyError {
        .init(code: "invalid_json", message: message)
    }
    public static func missingField(_ param: String) -> ParleyError {
        .init(code: "missing_field", message: "\(param) is required", param: param)
    }
    public static func invalidValue(_ param: String, _ message: String) -> ParleyError {
        .init(code: "invalid_value", message: message, param: param)
    }
    public static func unknownLanguage(_ param: String, _ value: String) -> ParleyError {
        .init(code: "unknown_language", message: "'\(value)' is not a known language code", param: param)
    }
    public static func bodyTooLarge(limit: Int) -> ParleyError {
        .init(code: "body_too_large", message: "the request body exceeds \(limit) bytes", status: 413)
    }
    public static let unauthorized = ParleyError(
        code: "unauthorized", message: "a valid API key is required (Authorization: Bearer pk_...)", status: 401)
    public static func forbidden(scope: String) -> ParleyError {
        .init(code: "forbidden", message: "this key lacks the '\(scope)' scope", status: 403)
    }
    public static func notFound(_ what: String) -> ParleyError {
        .init(code: "not_found", message: "\(what) was not found", status: 404)
    }
    public static func conflict(_ message: String) -> ParleyError {
        .init(code: "conflict", message: message, status: 409)
    }
    public static func rateLimited(retryAfter: Int) -> ParleyError {
        .init(code: "rate_limited", message: "too many requests; retry after \(retryAfter) s", status: 429)
    }
    public static func quotaExceeded(_ refusal: QuotaRefusal) -> ParleyError {
        let unit = refusal.quota == "characters_per_day" ? "characters" : "audio seconds"
        let message = refusal.left > 0 && refusal.need > 0
            ? "this needs \(refusal.need.rounded(.up)) \(unit), more than the \(refusal.left.rounded(.down)) left of this key's \(refusal.quota) quota for today (UTC)"
            : "this key has used its \(refusal.quota) quota for today (UTC)"
        return .init(code: "quota_exceeded", message: message, param: refusal.quota, status: 429)
    }
    public static func storeUnavailable(_ message: String = "the store is unavailable") -> ParleyError {
        .init(code: "store_unavailable", message: message, status: 503, retryable: true)
    }
    /// The server holds as much of some kind of work as it may: retry shortly.
    public static func serverBusy(_ message: String) -> ParleyError {
        .init(code: "server_busy", message: message, status: 503, retryable: true)
    }
    /// The blob volume is nearly full: nothing was written.
    public static func insufficientStorage(free: Int, minimum: Int) -> ParleyError {
        .init(code: "insufficient_storage",
              message: "the server is low on storage (\(free / 1_048_576) MiB free, \(minimum / 1_048_576) MiB kept in reserve); try again later",
              status: 507, retryable: true)
    }
    public static let internalError = ParleyError(
        code: "internal_error", message: "an internal error occurred", status: 500, retryable: true)

    // Item-level errors: they fail one item, never its job.
    public static func invalidAudio(_ message: String) -> ParleyError {
        .init(code: "invalid_audio", message: message, status: 422)
    }
    public static func unsupportedLanguagePair(_ source: String, _ target: String) -> ParleyError {
        .init(code: "unsupported_language_pair", message: "no translation model serves \(source)->\(target)", status: 422)
    }
    public static func urlForbidden(_ message: String) -> ParleyError {
        .init(code: "url_forbidden", message: message, status: 422)
    }
    public static func urlUnreachable(_ message: String) -> ParleyError {
        .init(code: "url_unreachable", message: message, status: 422, retryable: true)
    }
    /// An outbound transfer outlived its deadline or fell under the minimum rate; retried later.
    public static func urlTimeout(_ message: String) -> ParleyError {
        .init(code: "url_timeout", message: message, status: 422, retryable: true)
    }
    public static func inputTooLarge(limit: Int) -> ParleyError {
        .init(code: "input_too_large", message: "the input exceeds \(limit) bytes", status: 422)
    }
    public static func engineCrashed(_ message: String) -> ParleyError {
        .init(code: "engine_crashed", message: message, status: 503, retryable: true)
    }
    public static func engineTimeout(seconds: Double) -> ParleyError {
        .init(code: "engine_timeout", message: "the engine gave no answer within \(seconds) s", status: 503, retryable: true)
    }
    public static func engineUnavailable(_ message: String) -> ParleyError {
        .init(code: "engine_unavailable", message: message, status: 503, retryable: true)
    }
    public static let workerLost = ParleyError(
        code: "worker_lost", message: "the item's worker stopped answering too many times", status: 500)
    public static func storageError(_ message: String) -> ParleyError {
        .init(code: "storage_error", message: message, status: 503, retryable: true)
    }

    /// Whether an item that failed this way had the engine work on it, so its audio counts
    /// against the key's quota: a crash, a timeout, an answer too large, the engine out of
    /// memory, or a worker lost mid-item.
    public var usedTheEngine: Bool {
        Self.engineSpentCodes.contains(code)
    }

    private static let engineSpentCodes: Set<String> = [
        "engine_crashed", "engine_timeout", "engine_answer_too_large", "engine_out_of_memory", "worker_lost",
    ]
}
