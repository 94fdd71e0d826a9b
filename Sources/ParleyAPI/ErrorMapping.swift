import HTTPTypes
import Hummingbird
import Logging
import ParleyCore

/// Turns anything a handler throws into a `ParleyError`, never leaking internals.
enum ErrorMapping {
    static func parleyError(_ error: any Error, logger: Logger) -> ParleyError {
        switch error {
        case let error as ParleyError:
            if error.status >= 500 { logger.error("request failed", metadata: ["error": "\(error)"]) }
            return error
        case let error as HTTPError:
            switch error.status {
            case .notFound: return .notFound("route")
            case .contentTooLarge:
                return ParleyError(code: "body_too_large", message: "the request body is too large", status: 413)
            case .methodNotAllowed:
                return ParleyError(code: "method_not_allowed", message: "this method is not allowed here", status: 405)
            default:
                return ParleyError(code: "http_error", message: error.body ?? error.status.reasonPhrase, status: error.status.code)
            }
        default:
            logger.error("unexpected error", metadata: ["error": "\(String(reflecting: error))"])
            return .internalError
        }
    }
}
