import Hummingbird
import ParleyCore
import ParleyStore

/// `GET /v1/usage`: what the calling key used today (UTC) against its daily quotas.
struct UsageController {
    struct UsageView: Encodable {
        var day: String
        var usage: Usage
        var quotas: Quotas
    }

    let store: any MetadataStore

    func register(on router: Router<ParleyContext>) {
        router.get("/v1/usage", use: usage)
    }

    @Sendable func usage(_ request: Request, context: ParleyContext) async throws -> Response {
        let key = try context.require(.jobsRead)
        let day = Usage.day(.now())
        return try JSONResponse.make(.ok, UsageView(day: day, usage: try await store.usage(keyId: key.id, day: day), quotas: key.quotas))
    }
}
