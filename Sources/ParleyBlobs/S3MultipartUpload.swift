import Foundation
import NIOCore

/// A multipart upload in progress: its id and the parts sent so far.
struct S3MultipartUpload: Sendable {
    let key: String
    let uploadId: String
    private(set) var etags: [String] = []

    init(key: String, uploadId: String) {
        self.key = key
        self.uploadId = uploadId
    }

    /// Uploads `part` as the next part number.
    mutating func add(_ part: ByteBuffer, store: S3BlobStore) async throws {
        let number = etags.count + 1
        let (_, _, headers) = try await store.exchange(
            "PUT", key: key, query: [("partNumber", String(number)), ("uploadId", uploadId)], body: part, operation: "UploadPart")
        etags.append(headers.first(name: "etag") ?? "")
    }

    /// The `CompleteMultipartUpload` body listing every part.
    var manifest: String {
        "<CompleteMultipartUpload>"
            + etags.enumerated().map { "<Part><PartNumber>\($0.offset + 1)</PartNumber><ETag>\($0.element)</ETag></Part>" }.joined()
            + "</CompleteMultipartUpload>"
    }
}

extension S3BlobStore {
    func startMultipart(_ key: String) async throws -> S3MultipartUpload {
        let (_, created, _) = try await exchange("POST", key: key, query: [("uploads", "")], operation: "CreateMultipartUpload")
        guard let uploadId = Self.element("UploadId", in: created) else {
            throw S3Error(status: 200, code: "NoUploadId", operation: "CreateMultipartUpload")
        }
        return S3MultipartUpload(key: key, uploadId: uploadId)
    }

    /// Joins the parts; S3 may answer 200 with an error document, which throws too.
    func complete(_ upload: S3MultipartUpload) async throws {
        let (_, completed, _) = try await exchange(
            "POST", key: upload.key, query: [("uploadId", upload.uploadId)], body: ByteBuffer(string: upload.manifest),
            operation: "CompleteMultipartUpload")
        if let code = Self.element("Code", in: completed) {
            throw S3Error(status: 200, code: code, operation: "CompleteMultipartUpload")
        }
    }

    /// Drops the parts of a failed upload, so the bucket keeps no orphaned storage.
    func abort(_ upload: S3MultipartUpload) async {
        _ = try? await exchange(
            "DELETE", key: upload.key, query: [("uploadId", upload.uploadId)], operation: "AbortMultipartUpload", accept: [200, 204, 404])
    }
}
