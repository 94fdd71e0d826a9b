import Crypto
import Foundation
import ParleyCore

/// Signs and checks time-limited URLs for blobs in the local store, the way S3 presigns its
/// own: `/v1/blobs/<key>?expires=<unix seconds>&signature=<hex HMAC-SHA256>`. Pure.
public struct BlobURLSigner: Sendable {
    /// The path prefix the API serves signed blobs under.
    public static let pathPrefix = "/v1/blobs/"

    let key: SymmetricKey

    public init(secret: Data) {
        key = SymmetricKey(data: secret)
    }

    /// The URL path and query that fetch `blobKey` until `expires` (Unix seconds).
    public func url(for blobKey: String, expires: Int) -> String {
        "\(Self.pathPrefix)\(blobKey)?expires=\(expires)&signature=\(signature(blobKey, expires: expires))"
    }

    /// Whether `signature` signs `blobKey` until `expires`, and `expires` is not past `now`.
    public func verify(_ blobKey: String, expires: Int, signature: String, now: Int) -> Bool {
        guard expires >= now else { return false }
        return ConstantTime.equals(self.signature(blobKey, expires: expires), signature)
    }

    func signature(_ blobKey: String, expires: Int) -> String {
        HMAC<SHA256>.authenticationCode(for: Data("GET\n\(blobKey)\n\(expires)".utf8), using: key).hexString
    }
}
