import Hummingbird
import ParleySigning
import ParleyCore

/// `GET /v1/webhooks/secret`: the calling key's webhook signing secret, to verify `Parley-Signature`.
struct WebhooksController {
    struct SecretView: Encodable {
        var secret: String
        /// The secret under the previous server secret, while the operator rotates it:
        /// deliveries carry a `v1` for each.
        var previousSecret: String?
        var header = WebhookSignature.headerName
        var scheme = "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>"

        enum CodingKeys: String, CodingKey {
            case secret, header, scheme
            case previousSecret = "previous_secret"
        }
    }

    let signing: WebhookSigningKeys

    func register(on router: Router<ParleyContext>) {
        router.get("/v1/webhooks/secret", use: secret)
    }

    @Sendable func secret(_ request: Request, context: ParleyContext) async throws -> Response {
        let key = try context.require(.jobsRead)
        return try JSONResponse.make(.ok, SecretView(
            secret: signing.secret(keyHash: key.secretHash), previousSecret: signing.previousSecret(keyHash: key.secretHash)))
    }
}
