import Foundation
import Hummingbird
import ParleyBlobs
import ParleyCore

/// `GET /v1/blobs/<key>?expires=&signature=`: a blob of the local store through a signed,
/// time-limited URL (the local counterpart of an S3 presigned URL), fetched without an API key.
struct BlobsController {
    let blobs: any BlobStore
    let signer: BlobURLSigner

    func register(on router: Router<ParleyContext>) {
        router.get("/v1/blobs/**", use: fetch)
    }

    @Sendable func fetch(_ request: Request, context: ParleyContext) async throws -> Response {
        let key = String(request.uri.path.dropFirst(BlobURLSigner.pathPrefix.count))
        guard let expires = request.uri.queryParameters.get("expires").flatMap(Int.init),
              let signature = request.uri.queryParameters.get("signature")
        else { throw ParleyError(code: "signature_invalid", message: "the URL lacks expires or signature", status: 403) }
        guard signer.verify(key, expires: expires, signature: signature, now: Int(Date().timeIntervalSince1970)) else {
            throw ParleyError(code: "signature_invalid", message: "the URL's signature is wrong or it has expired", status: 403)
        }
        guard (try? BlobKey.validate(key)) != nil, let size = try await blobs.size(key) else { throw ParleyError.notFound("blob") }
        return JSONResponse.blob(
            key, size: size, from: blobs, contentType: key.hasSuffix(".json") ? "application/json" : "application/octet-stream")
    }
}
