import Hummingbird
import ParleySigning
import ParleyCore

/// `GET /v1/webhooks/secret`: the calling key's webhook signing secret, to verify `Parley-Signature`.
struct WebhooksController {
    struct SecretView: Encodable {
        var secret: String
        var header = WebhookSignature.headerName
        var scheme = "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>"
    }

    func register(on router: Router<ParleyContext>) {
        router.get("/v1/webhooks/secret", use: secret)
    }

    @Sendable func secret(_ request: Request, context: ParleyContext) async throws -> Response {
        let key = try context.require(.jobsRead)
        return try JSONResponse.make(.ok, SecretView(secret: WebhookSignature.secret(keyHash: key.secretHash)))
    }
}
