import Foundation
import Hummingbird
import NIOCore
import Synchronization
import ParleyBlobs
import ParleyCore
import ParleyStore

/// `POST /v1/uploads`: streams one audio file of any size up to the limit straight into the
/// blob store (S3 multipart in production), so items can name it by `upload_id` instead of
/// carrying base64 in the job body.
struct UploadsController {
    struct UploadView: Encodable {
        var id: String
        var object = "upload"
        var bytes: Int
        var createdAt: String
        /// When the upload is deleted unless a job names it first.
        var expiresAt: String
        /// The duration its container gives, which each item naming it reserves of the key's
        /// quota; null when the container does not say (the worker reserves once it reads it).
        var audioSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case id, object, bytes
            case audioSeconds = "audio_seconds"
            case createdAt = "created_at"
            case expiresAt = "expires_at"
        }
    }

    let blobs: any BlobStore
    let uploads: any UploadRecorder
    let submitter: JobSubmitter
    var configuration: APIConfiguration { submitter.configuration }

    func register(on router: Router<ParleyContext>) {
        router.post("/v1/uploads", use: upload)
    }

    @Sendable func upload(_ request: Request, context: ParleyContext) async throws -> Response {
        let key = try context.require(.jobsWrite)
        let limit = configuration.maxUploadBytes
        try RequestDecoding.refuseDeclaredLength(request, over: limit)
        try submitter.requireStorage()
        let id = Identifier.make("upl")
        let blobKey = BlobKey.upload(id, owner: key.id)
        let size: Int
        let probe = StreamProbe()
        do {
            size = try await blobs.put(blobKey, chunks: request.body.map { probe.observe($0) }, limit: limit)
        } catch is BlobTooLarge {
            throw ParleyError.bodyTooLarge(limit: limit)
        } catch let error as ParleyError {
            throw error
        } catch {
            context.logger.error("storing an upload failed", metadata: ["error": "\(error)"])
            throw ParleyError.storageError("storing the upload failed")
        }
        guard size > 0 else {
            try? await blobs.delete(blobKey)
            throw ParleyError(code: "invalid_input", message: "the upload is empty; send the audio file as the request body", param: "body")
        }
        let now = Millis.now()
        let seconds = probe.seconds
        do {
            try await uploads.recordUpload(UploadRecord(
                id: id, ownerKeyId: key.id, blobKey: blobKey, bytes: size, createdAt: now, expiresAt: now + configuration.uploadLifetime,
                audioSeconds: seconds))
        } catch {
            try? await blobs.delete(blobKey)
            throw error
        }
        context.logger.info("upload stored", metadata: ["upload_id": "\(id)", "bytes": "\(size)"])
        return try JSONResponse.make(.created, UploadView(
            id: id, bytes: size, createdAt: now.iso8601, expiresAt: (now + configuration.uploadLifetime).iso8601, audioSeconds: seconds))
    }
}

/// Keeps the head and tail windows of a body as it streams by, to probe its duration.
private final class StreamProbe: Sendable {
    private let windows = Mutex(AudioWindows())

    func observe(_ buffer: ByteBuffer) -> ByteBuffer {
        windows.withLock { $0.append(buffer.readableBytesView) }
        return buffer
    }

    var seconds: Double? { windows.withLock { AudioDurationProbe.seconds($0) } }
}
