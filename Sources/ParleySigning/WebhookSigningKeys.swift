import Crypto
import Foundation

/// The server-side secret that every key's webhook signing secret derives from, with the
/// previous one while a rotation is under way.
///
/// A key's secret is HMAC-SHA256(server secret, the key's stored hash): reading the database
/// or a backup is not enough to sign webhooks. Every process of a deployment must hold the
/// same server secret (`PARLEY_WEBHOOK_SECRET`, or the generated `<data dir>/webhook-signing.key`
/// on a shared data directory). To rotate: set `PARLEY_WEBHOOK_SECRET_PREVIOUS` to the old
/// value and `PARLEY_WEBHOOK_SECRET` to the new one; deliveries then carry a signature with
/// each (`v1=<new>,v1=<old>`), so receivers that still check the old secret go on working
/// until they fetch the new one from `GET /v1/webhooks/secret`; then drop the previous value.
public struct WebhookSigningKeys: Sendable {
    public let current: Data
    public let previous: Data?

    public init(current: Data, previous: Data? = nil) {
        self.current = current
        self.previous = previous
    }

    /// The key's signing secret under the current server secret.
    public func secret(keyHash: String) -> String {
        Self.secret(keyHash: keyHash, serverSecret: current)
    }

    /// The key's secret under the previous server secret, while rotating.
    public func previousSecret(keyHash: String) -> String? {
        previous.map { Self.secret(keyHash: keyHash, serverSecret: $0) }
    }

    /// The `Parley-Signature` value for `body`: one `v1` per server secret in use, current first.
    public func header(keyHash: String, timestamp: Int, body: Data) -> String {
        let secrets = [secret(keyHash: keyHash)] + [previousSecret(keyHash: keyHash)].compactMap { $0 }
        return "t=\(timestamp)," + secrets.map { "v1=" + WebhookSignature.mac(secret: $0, timestamp: timestamp, body: body) }
            .joined(separator: ",")
    }

    static func secret(keyHash: String, serverSecret: Data) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("parley webhook signing v2\n\(keyHash)".utf8), using: SymmetricKey(data: serverSecret))
        return "whsec_" + mac.hexString
    }
}
