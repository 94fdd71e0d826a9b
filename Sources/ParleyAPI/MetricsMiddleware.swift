import HTTPTypes
import Hummingbird
import Metrics
import ParleyCore
import ParleyEngine
import ParleyObservability

/// Counts and times every request by route template (never by id), method and status.
public struct MetricsMiddleware: RouterMiddleware {
    public typealias Context = ParleyContext

    public init() {}

    public func handle(_ request: Request, context: ParleyContext, next: (Request, ParleyContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        let method = request.method.rawValue
        Counter(label: MetricName.httpRequests, dimensions: [
            ("route", route), ("method", method), ("status", String(response.status.code)),
        ]).increment()
        Metrics.Timer(label: MetricName.httpRequestDuration, dimensions: [("route", route), ("method", method)])
            .recordInterval(since: start)
        return response
    }
}
