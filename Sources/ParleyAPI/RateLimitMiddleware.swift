import HTTPTypes
import Hummingbird
import Metrics
import ParleyCore
import ParleyLimits
import ParleyObservability

/// Applies the caller's token bucket per route class and reports it in
/// `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` on every response;
/// a refusal is 429 with `Retry-After`.
public struct RateLimitMiddleware: RouterMiddleware {
    public typealias Context = ParleyContext

    let limiter: any RateLimiter
    let readMultiplier: Int

    public init(limiter: any RateLimiter, readMultiplier: Int) {
        self.limiter = limiter
        self.readMultiplier = max(1, readMultiplier)
    }

    /// The bucket a request draws from: job creation, other writes, or reads.
    static func routeClass(_ request: Request) -> String {
        switch request.method {
        case .get, .head: "read"
        case .post where ["/v1/jobs", "/v1/audio/transcriptions", "/v1/audio/translations"].contains(request.uri.path): "jobs.create"
        default: "write"
        }
    }

    public func handle(_ request: Request, context: ParleyContext, next: (Request, ParleyContext) async throws -> Response) async throws -> Response {
        guard let key = context.key else { return try await next(request, context) }
        let routeClass = Self.routeClass(request)
        var rule = RateRule(key.rate)
        if routeClass == "read" {
            rule = RateRule(capacity: rule.capacity * Double(readMultiplier), refillPerSecond: rule.refillPerSecond * Double(readMultiplier))
        }
        let decision = try await limiter.acquire(key: "\(key.id):\(routeClass)", rule: rule, cost: 1)
        var headers: HTTPFields = [
            .rateLimitLimit: "\(decision.limit)",
            .rateLimitRemaining: "\(decision.remaining)",
            .rateLimitReset: "\(decision.resetSeconds)",
        ]
        guard decision.allowed else {
            Counter(label: MetricName.rateLimitRejections, dimensions: [("route", routeClass)]).increment()
            headers[.retryAfter] = "\(decision.retryAfterSeconds)"
            return JSONResponse.error(.rateLimited(retryAfter: decision.retryAfterSeconds), headers: headers)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = JSONResponse.error(ErrorMapping.parleyError(error, logger: context.logger))
        }
        for field in headers { response.headers.append(field) }
        return response
    }
}
