import HTTPTypes
import Hummingbird
import ParleyCore
import ParleyEngine
import ParleyStore

/// `/v1/health` (the process answers) and `/v1/ready` (the store and engine can work).
struct HealthController {
    struct Status: Encodable {
        var status: String
        var store: String?
        var engine: String?
    }

    let store: any MetadataStore
    /// The in-process engine, when this process runs workers.
    let engine: (any InferenceEngine)?

    func register(on router: Router<ParleyContext>) {
        router.get("/v1/health") { _, _ in try JSONResponse.make(.ok, Status(status: "ok")) }
        router.get("/v1/ready", use: ready)
    }

    @Sendable func ready(_ request: Request, context: ParleyContext) async throws -> Response {
        do {
            try await store.ping()
        } catch {
            context.logger.warning("store ping failed", metadata: ["error": "\(String(reflecting: error))"])
            throw ParleyError.storeUnavailable()
        }
        let health = engine?.health()
        if let health, !health.ready || health.unhealthy {
            throw ParleyError(code: health.unhealthy ? "engine_unhealthy" : "engine_loading", message: health.detail, status: 503)
        }
        return try JSONResponse.make(.ok, Status(status: "ready", store: "ok", engine: health?.detail))
    }
}
