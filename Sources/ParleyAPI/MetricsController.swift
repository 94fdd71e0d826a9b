import Foundation
import HTTPTypes
import Hummingbird
import ParleyCore

/// How `/metrics` renders and who may read it.
public struct MetricsEndpoint: Sendable {
    /// A bearer token the scraper must present; nil leaves the route open.
    public var token: String?
    /// The Prometheus text exposition of every metric.
    public var render: @Sendable () -> [UInt8]

    public init(token: String?, render: @escaping @Sendable () -> [UInt8]) {
        self.token = token
        self.render = render
    }
}

/// `GET /metrics` in the Prometheus text format.
struct MetricsController {
    let endpoint: MetricsEndpoint

    func register(on router: Router<ParleyContext>) {
        router.get("/metrics", use: metrics)
    }

    @Sendable func metrics(_ request: Request, context: ParleyContext) async throws -> Response {
        if let token = endpoint.token {
            let presented = request.headers[.authorization].map { $0.replacingOccurrences(of: "Bearer ", with: "") } ?? ""
            guard ConstantTime.equals(presented, token) else {
                throw ParleyError.unauthorized
            }
        }
        return JSONResponse.body(.ok, Data(endpoint.render()), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }
}
