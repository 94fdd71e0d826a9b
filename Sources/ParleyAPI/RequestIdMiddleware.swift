import HTTPTypes
import Hummingbird
import ParleyCore

/// Takes the client's `X-Request-Id` (when sane) or makes one, tags the request's
/// log lines with it, echoes it on the response, and turns every error into the
/// JSON error document.
public struct RequestIdMiddleware: RouterMiddleware {
    public typealias Context = ParleyContext

    let reporter: (any ErrorReporter)?

    /// - Parameter reporter: told of every 500 answer.
    public init(reporter: (any ErrorReporter)? = nil) {
        self.reporter = reporter
    }

    public func handle(_ request: Request, context: ParleyContext, next: (Request, ParleyContext) async throws -> Response) async throws -> Response {
        var context = context
        if let given = request.headers[.requestId], (1...128).contains(given.count),
           given.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }) {
            context.requestId = given
        }
        context.logger[metadataKey: "request_id"] = .string(context.requestId)
        let started = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let mapped = ErrorMapping.parleyError(error, logger: context.logger)
            if mapped.status == 500 {
                reporter?.report(ErrorEvent(
                    kind: mapped.code, message: "\(request.method.rawValue) \(request.uri.path): \(String(reflecting: error))",
                    tags: ["request_id": context.requestId]))
            }
            response = JSONResponse.error(mapped)
        }
        response.headers[.requestId] = context.requestId
        let elapsed = ContinuousClock.now - started
        let milliseconds = elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        context.logger.info("request", metadata: [
            "method": "\(request.method.rawValue)", "path": "\(request.uri.path)",
            "status": "\(response.status.code)", "duration_ms": "\(milliseconds)",
        ])
        return response
    }
}

extension HTTPField.Name {
    static let requestId = Self("X-Request-Id")!
    static let retryAfter = Self("Retry-After")!
    static let rateLimitLimit = Self("RateLimit-Limit")!
    static let rateLimitRemaining = Self("RateLimit-Remaining")!
    static let rateLimitReset = Self("RateLimit-Reset")!
}
