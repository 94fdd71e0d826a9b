import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A failed S3 call: the HTTP status and S3's error code.
public struct S3Error: Error, Sendable, CustomStringConvertible {
    public let status: Int
    public let code: String
    public let operation: String
    public var description: String { "S3 \(operation) answered \(status) \(code)" }
}

/// Blobs in an S3-compatible bucket (MinIO, SeaweedFS, AWS), signed with SigV4 over AsyncHTTPClient.
/// Large blobs go up as multipart uploads; presigned GET URLs let clients fetch results directly.
public struct S3BlobStore: BlobStore {
    public let settings: S3Settings
    let client: HTTPClient
    let signer: SigV4Signer
    let timeout: TimeAmount

    public init(settings: S3Settings, client: HTTPClient = .shared, timeout: TimeAmount = .seconds(120)) {
        self.settings = settings
        self.client = client
        self.signer = SigV4Signer(credentials: settings.credentials, region: settings.region)
        self.timeout = timeout
    }

    public func put(_ key: String, data: Data) async throws {
        try BlobKey.validate(key)
        if data.count > settings.multipartThreshold { return try await putMultipart(key, data: data) }
        _ = try await send("PUT", key: key, body: data, operation: "PutObject")
    }

    public func get(_ key: String) async throws -> Data? {
        try BlobKey.validate(key)
        let (status, body) = try await send("GET", key: key, operation: "GetObject", accept: [200, 404])
        return status == 404 ? nil : body
    }

    public func delete(_ key: String) async throws {
        try BlobKey.validate(key)
        _ = try await send("DELETE", key: key, operation: "DeleteObject", accept: [200, 204, 404])
    }

    public func presignedURL(_ key: String, expires: Int) throws -> String? {
        try presignedURL(key, expires: expires, now: Date())
    }

    /// A URL anyone may GET the blob with until `expires` seconds from `now`.
    public func presignedURL(_ key: String, expires: Int, now: Date) throws -> String {
        try BlobKey.validate(key)
        let location = settings.location(of: key)
        let query = signer.presignedQuery(method: "GET", host: location.host, path: location.path, expires: expires, date: now)
        return "\(location.url)?\(query)"
    }

    /// Creates the bucket unless it exists already.
    public func createBucketIfNeeded() async throws {
        _ = try await send("PUT", key: nil, operation: "CreateBucket", accept: [200, 409])
    }

    private func putMultipart(_ key: String, data: Data) async throws {
        let (_, created) = try await send("POST", key: key, query: [("uploads", "")], operation: "CreateMultipartUpload")
        guard let uploadId = Self.element("UploadId", in: created) else {
            throw S3Error(status: 200, code: "NoUploadId", operation: "CreateMultipartUpload")
        }
        do {
            var parts: [(Int, String)] = []
            for (index, start) in stride(from: 0, to: data.count, by: settings.partSize).enumerated() {
                let part = data[start..<min(start + settings.partSize, data.count)]
                let number = index + 1
                let (_, _, headers) = try await exchange(
                    "PUT", key: key, query: [("partNumber", String(number)), ("uploadId", uploadId)], body: Data(part),
                    operation: "UploadPart", accept: [200])
                parts.append((number, headers.first(name: "etag") ?? ""))
            }
            let manifest = "<CompleteMultipartUpload>"
                + parts.map { "<Part><PartNumber>\($0.0)</PartNumber><ETag>\($0.1)</ETag></Part>" }.joined()
                + "</CompleteMultipartUpload>"
            let (_, completed) = try await send(
                "POST", key: key, query: [("uploadId", uploadId)], body: Data(manifest.utf8), operation: "CompleteMultipartUpload")
            if let code = Self.element("Code", in: completed) {
                throw S3Error(status: 200, code: code, operation: "CompleteMultipartUpload")
            }
        } catch {
            _ = try? await send("DELETE", key: key, query: [("uploadId", uploadId)], operation: "AbortMultipartUpload", accept: [200, 204, 404])
            throw error
        }
    }

    private func send(
        _ method: String, key: String?, query: [(String, String)] = [], body: Data = Data(), operation: String,
        accept: Set<Int> = [200]
    ) async throws -> (Int, Data) {
        let (status, data, _) = try await exchange(method, key: key, query: query, body: body, operation: operation, accept: accept)
        return (status, data)
    }

    private func exchange(
        _ method: String, key: String?, query: [(String, String)], body: Data, operation: String, accept: Set<Int>
    ) async throws -> (Int, Data, HTTPHeaders) {
        let location = settings.location(of: key)
        let payloadHash = SHA256.hash(data: body).hexString
        let headers = [("Host", location.host), ("x-amz-content-sha256", payloadHash)]
        let signed = signer.sign(method: method, path: location.path, query: query, headers: headers, payloadHash: payloadHash, date: Date())
        let queryString = SigV4Signer.canonicalQuery(query)
        var request = HTTPClientRequest(url: location.url + (queryString.isEmpty ? "" : "?\(queryString)"))
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers + signed { request.headers.replaceOrAdd(name: name, value: value) }
        if !body.isEmpty || method == "PUT" || method == "POST" {
            request.headers.replaceOrAdd(name: "Content-Length", value: String(body.count))
            request.body = .bytes(ByteBuffer(data: body))
        }
        let response = try await client.execute(request, timeout: timeout)
        let collected = try await response.body.collect(upTo: 1024 * 1024 * 1024)
        let data = Data(buffer: collected)
        let status = Int(response.status.code)
        guard accept.contains(status) else {
            throw S3Error(status: status, code: Self.element("Code", in: data) ?? "", operation: operation)
        }
        return (status, data, response.headers)
    }

    /// The text of the first `<name>` element of an XML answer.
    static func element(_ name: String, in data: Data) -> String? {
        let text = String(decoding: data, as: UTF8.self)
        guard let open = text.range(of: "<\(name)>"), let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex) else {
            return nil
        }
        return String(text[open.upperBound..<close.lowerBound])
    }
}
