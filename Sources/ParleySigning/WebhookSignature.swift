import Crypto
import Foundation
import ParleyCore

/// Signs webhook bodies the way receivers verify them: `Parley-Signature: t=<unix seconds>,v1=<hex>`,
/// where `<hex>` is HMAC-SHA256 over `"<t>.<body>"` with the key's webhook secret.
///
/// The secret derives from the key's stored hash and a server secret (`WebhookSigningKeys`);
/// the key's holder fetches it from `GET /v1/webhooks/secret`.
public enum WebhookSignature {
    /// The HTTP header that carries the signature.
    public static let headerName = "Parley-Signature"

    /// The header value for `body` sent at `timestamp` (Unix seconds).
    public static func header(secret: String, timestamp: Int, body: Data) -> String {
        "t=\(timestamp),v1=\(mac(secret: secret, timestamp: timestamp, body: body))"
    }

    /// Whether `header` signs `body` with `secret`, at most `tolerance` seconds from `now`.
    public static func verify(header: String, secret: String, body: Data, now: Int, tolerance: Int = 300) -> Bool {
        var timestamp: Int?
        var signatures: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = Int(pair[1]) }
            if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp, abs(now - timestamp) <= tolerance else { return false }
        let expected = mac(secret: secret, timestamp: timestamp, body: body)
        return signatures.contains { ConstantTime.equals($0, expected) }
    }

    static func mac(secret: String, timestamp: Int, body: Data) -> String {
        var message = Data("\(timestamp).".utf8)
        message.append(body)
        return HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Data(secret.utf8))).hexString
    }
}
