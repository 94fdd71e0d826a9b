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
/// Blobs stream in and out; large ones go up as multipart uploads; presigned GET URLs let clients fetch results directly.
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
        _ = try await put(key, chunks: ByteChunks(ByteBuffer(data: data), size: settings.partSize), limit: .max)
    }

    public func put(_ key: String, chunks: some AsyncSequence<ByteBuffer, any Error> & Sendable, limit: Int) async throws -> Int {
        try BlobKey.validate(key)
        var pending = ByteBuffer()
        var upload: S3MultipartUpload?
        var size = 0
        do {
            for try await var chunk in chunks {
                size += chunk.readableBytes
                guard size <= limit else { throw BlobTooLarge(limit: limit) }
                pending.writeBuffer(&chunk)
                if upload == nil && pending.readableBytes > settings.multipartThreshold {
                    upload = try await startMultipart(key)
                }
                while upload != nil, pending.readableBytes >= settings.partSize, let part = pending.readSlice(length: settings.partSize) {
                    try await upload!.add(part, store: self)
                }
                pending.discardReadBytes()
            }
            if var upload {
                if pending.readableBytes > 0 { try await upload.add(pending, store: self) }
                try await complete(upload)
            } else {
                _ = try await exchange("PUT", key: key, body: pending, operation: "PutObject")
            }
            return size
        } catch {
            if let upload { await abort(upload) }
            throw error
        }
    }

    public func get(_ key: String) async throws -> Data? {
        var data = Data()
        return try await read(key) { data.append(contentsOf: $0.readableBytesView) } ? data : nil
    }

    public func size(_ key: String) async throws -> Int? {
        try BlobKey.validate(key)
        let (status, _, headers) = try await exchange("HEAD", key: key, operation: "HeadObject", accept: [200, 404])
        return status == 404 ? nil : headers.first(name: "content-length").flatMap(Int.init)
    }

    public func read(_ key: String, into consume: (ByteBuffer) async throws -> Void) async throws -> Bool {
        try BlobKey.validate(key)
        let response = try await client.execute(signedRequest("GET", key: key, query: [], body: ByteBuffer()), timeout: timeout)
        let status = Int(response.status.code)
        if status == 404 { return false }
        guard status == 200 else {
            let data = Data(buffer: try await response.body.collect(upTo: 1024 * 1024))
            throw S3Error(status: status, code: Self.element("Code", in: data) ?? "", operation: "GetObject")
        }
        for try await chunk in response.body { try await consume(chunk) }
        return true
    }

    public func delete(_ key: String) async throws {
        try BlobKey.validate(key)
        _ = try await exchange("DELETE", key: key, operation: "DeleteObject", accept: [200, 204, 404])
    }

    /// Lists the prefix page by page (ListObjectsV2) and deletes each object it names.
    public func delete(prefix: String) async throws -> Int {
        guard prefix.hasSuffix("/") else { throw InvalidBlobKey(key: prefix) }
        try BlobKey.validate(String(prefix.dropLast()))
        var deleted = 0
        var token: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let token { query.append(("continuation-token", token)) }
            let (_, data, _) = try await exchange("GET", key: nil, query: query, operation: "ListObjectsV2")
            for key in Self.elements("Key", in: data) {
                try await delete(key)
                deleted += 1
            }
            token = Self.element("IsTruncated", in: data) == "true" ? Self.element("NextContinuationToken", in: data) : nil
        } while token != nil
        return deleted
    }

    /// A bucket has no volume to fill.
    public func freeBytes() throws -> Int? { nil }

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
        _ = try await exchange("PUT", key: nil, operation: "CreateBucket", accept: [200, 409])
    }

    /// Sends one signed request and collects its answer (S3's small XML documents); a status
    /// outside `accept` throws `S3Error`.
    func exchange(
        _ method: String, key: String?, query: [(String, String)] = [], body: ByteBuffer = ByteBuffer(), operation: String,
        accept: Set<Int> = [200]
    ) async throws -> (Int, Data, HTTPHeaders) {
        let response = try await client.execute(signedRequest(method, key: key, query: query, body: body), timeout: timeout)
        let data = Data(buffer: try await response.body.collect(upTo: 16 * 1024 * 1024))
        let status = Int(response.status.code)
        guard accept.contains(status) else {
            throw S3Error(status: status, code: Self.element("Code", in: data) ?? "", operation: operation)
        }
        return (status, data, response.headers)
    }

    private func signedRequest(_ method: String, key: String?, query: [(String, String)], body: ByteBuffer) -> HTTPClientRequest {
        let location = settings.location(of: key)
        let payloadHash = SHA256.hash(data: body.readableBytesView).hexString
        let headers = [("Host", location.host), ("x-amz-content-sha256", payloadHash)]
        let signed = signer.sign(method: method, path: location.path, query: query, headers: headers, payloadHash: payloadHash, date: Date())
        let queryString = SigV4Signer.canonicalQuery(query)
        var request = HTTPClientRequest(url: location.url + (queryString.isEmpty ? "" : "?\(queryString)"))
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers + signed { request.headers.replaceOrAdd(name: name, value: value) }
        if body.readableBytes > 0 || method == "PUT" || method == "POST" {
            request.headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
            request.body = .bytes(body)
        }
        return request
    }

    /// The text of the first `<name>` element of an XML answer.
    static func element(_ name: String, in data: Data) -> String? {
        elements(name, in: data).first
    }

    /// The text of every `<name>` element of an XML answer, in order.
    static func elements(_ name: String, in data: Data) -> [String] {
        let text = String(decoding: data, as: UTF8.self)
        var found: [String] = []
        var rest = text.startIndex..<text.endIndex
        while let open = text.range(of: "<\(name)>", range: rest),
              let close = text.range(of: "</\(name)>", range: open.upperBound..<text.endIndex) {
            found.append(String(text[open.upperBound..<close.lowerBound]))
            rest = close.upperBound..<text.endIndex
        }
        return found
    }
}
