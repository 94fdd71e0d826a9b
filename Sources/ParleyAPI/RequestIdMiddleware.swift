import HTTPTypes
import Hummingbird
import ParleyCore

/// Takes the client's `X-Request-Id` (when sane) or makes one, tags the request's
/// log lines with it, echoes it on the response, and turns every error into the
/// JSON error document.
public struct RequestIdMiddleware: RouterMiddleware {
    public typealias Context = ParleyContext

    public init() {}

    public func handle(_ request: Request, context: ParleyContext, next: (Request, ParleyContext) async throws -> Response) async throws -> Response {
        var context = context
        if let given = request.headers[.requestId], (1...128).contains(given.count),
           given.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }) {
            context.requestId = given
        }
        context.logger[metadataKey: "request_id"] = .string(context.requestId)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = JSONResponse.error(ErrorMapping.parleyError(error, logger: context.logger))
        }
        response.headers[.requestId] = context.requestId
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
