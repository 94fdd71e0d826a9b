import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import Crypto
@testable import ParleyBlobs

/// The S3 blob store on a real signature-checking server (SeaweedFS, started by scripts/services.sh),
/// and the signer against botocore computing the same request.
@Suite(.timeLimit(.minutes(5))) struct S3BlobStoreTests {
    static var endpoint: URL {
        URL(string: ProcessInfo.processInfo.environment["PARLEY_TEST_S3_ENDPOINT"] ?? "http://127.0.0.1:8333")!
    }
    static let credentials = S3Credentials(accessKey: "parleytest", secretKey: "parleytestsecret")

    static func store(secret: String = credentials.secretKey, threshold: Int = 16 * 1024 * 1024) async throws -> S3BlobStore {
        var settings = S3Settings(
            endpoint: endpoint, bucket: "parley-test",
            credentials: S3Credentials(accessKey: credentials.accessKey, secretKey: secret))
        settings.multipartThreshold = threshold
        settings.partSize = 5 * 1024 * 1024
        return S3BlobStore(settings: settings)
    }

    @Test func putGetOverwriteDeleteAndPresign() async throws {
        let store = try await Self.store()
        try await store.createBucketIfNeeded()
        let key = "results/\(UUID().uuidString)/itm_1.json"
        try await store.put(key, data: Data("first".utf8))
        try await store.put(key, data: Data("second".utf8))
        #expect(try await store.get(key) == Data("second".utf8))
        #expect(try await store.get("results/\(UUID().uuidString)/missing.json") == nil)

        let url = try #require(try store.presignedURL(key, expires: 300))
        let fetched = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        #expect(fetched.status == .ok)
        #expect(Data(buffer: try await fetched.body.collect(upTo: 1 << 20)) == Data("second".utf8))
        var tampered = HTTPClientRequest(url: url.replacingOccurrences(of: "X-Amz-Expires=300", with: "X-Amz-Expires=301"))
        tampered.method = .GET
        #expect(try await HTTPClient.shared.execute(tampered, timeout: .seconds(30)).status == .forbidden)

        try await store.delete(key)
        #expect(try await store.get(key) == nil)
        try await store.delete(key)
    }

    @Test func largeBlobsGoUpInParts() async throws {
        let store = try await Self.store(threshold: 5 * 1024 * 1024)
        try await store.createBucketIfNeeded()
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<(11 * 1024 * 1024)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let key = "inputs/\(UUID().uuidString)/big.wav"
        try await store.put(key, data: data)
        #expect(try await store.get(key) == data)
        try await store.delete(key)
    }

    @Test func streamsGoUpInPartsAndComeBackInChunks() async throws {
        let store = try await Self.store(threshold: 5 * 1024 * 1024)
        try await store.createBucketIfNeeded()
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<(12 * 1024 * 1024 + 17)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let key = "uploads/\(UUID().uuidString)/stream"
        let size = try await store.put(key, chunks: ByteChunks(ByteBuffer(data: data), size: 64 * 1024), limit: data.count)
        #expect(size == data.count)
        #expect(try await store.size(key) == data.count)
        var read = Data()
        var chunks = 0
        #expect(try await store.read(key) { read.append(contentsOf: $0.readableBytesView); chunks += 1 })
        #expect(read == data && chunks > 1, "streamed back in \(chunks) chunks")
        try await store.delete(key)
        #expect(try await store.size(key) == nil)
    }

    @Test func aStreamPastItsLimitStoresNothing() async throws {
        let store = try await Self.store(threshold: 5 * 1024 * 1024)
        try await store.createBucketIfNeeded()
        let data = Data(count: 12 * 1024 * 1024)
        let key = "uploads/\(UUID().uuidString)/too-big"
        await #expect(throws: BlobTooLarge.self) {
            _ = try await store.put(key, chunks: ByteChunks(ByteBuffer(data: data), size: 1024 * 1024), limit: 11 * 1024 * 1024)
        }
        #expect(try await store.size(key) == nil, "the multipart upload was aborted, not completed")
        #expect(try await store.read(key) { _ in } == false)
    }

    @Test func aWrongSecretIsRefused() async throws {
        let good = try await Self.store()
        try await good.createBucketIfNeeded()
        let bad = S3BlobStore(settings: S3Settings(
            endpoint: Self.endpoint, bucket: good.settings.bucket,
            credentials: S3Credentials(accessKey: Self.credentials.accessKey, secretKey: "not-the-secret")))
        await #expect { try await bad.put("x/y.json", data: Data("z".utf8)) } throws: { error in
            (error as? S3Error)?.status == 403
        }
    }

    @Test(arguments: [
        ("PUT", "/bucket/results/job_1/itm_1.json", [(String, String)](), "x"),
        ("GET", "/bucket/a%20b/c~d.wav", [("partNumber", "2"), ("uploadId", "abc/def=")], ""),
        ("POST", "/bucket/k", [("uploads", "")], "<xml/>"),
    ])
    func signaturesMatchBotocore(method: String, path: String, query: [(String, String)], body: String) async throws {
        let signer = SigV4Signer(credentials: Self.credentials, region: "eu-west-1")
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let hash = SHA256Digest(body).hexString
        let headers = [("Host", "127.0.0.1:8333"), ("x-amz-content-sha256", hash)]
        let ours = signer.sign(method: method, path: path, query: query, headers: headers, payloadHash: hash, date: date)[0].1
        let input: [String: Any] = [
            "method": method, "url": "http://127.0.0.1:8333\(path)" + (query.isEmpty ? "" : "?" + SigV4Signer.canonicalQuery(query)),
            "body": body, "hash": hash, "timestamp": SigV4Signer.amzDate(date), "region": "eu-west-1",
            "access": Self.credentials.accessKey, "secret": Self.credentials.secretKey,
        ]
        let script = LiveServer.repositoryRoot.appendingPathComponent("scripts/botocore_sign.py").path
        let python = LiveServer.repositoryRoot.appendingPathComponent(".venv-tools/bin/python").path
        let outcome = try await ProcessRunner.run(python, [script], stdin: try JSONSerialization.data(withJSONObject: input))
        #expect(outcome.status == 0, "\(outcome.output)")
        #expect(ours == outcome.output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}

/// SHA-256 of a string's UTF-8 bytes (test helper).
func SHA256Digest(_ text: String) -> [UInt8] {
    Array(Crypto.SHA256.hash(data: Data(text.utf8)))
}

/// A whole job on S3 storage: inputs and results in the bucket, results downloadable by presigned URL.
@Suite(.timeLimit(.minutes(5))) struct S3JobTests {
    @Test func resultsLiveInTheBucketAndDownloadByPresignedURL() async throws {
        let settings = S3Settings(endpoint: S3BlobStoreTests.endpoint, bucket: "parley-test", credentials: S3BlobStoreTests.credentials)
        try await LiveServer.with(worker: true, configure: {
            $0.s3 = settings
            $0.echoDelay = .zero
        }) { server in
            let created = try await server.post("/v1/jobs", json: [
                "job_type": "asr", "items": [["id": "a", "base64": Data("some audio".utf8).base64EncodedString()]],
            ])
            let jobId = try #require(created.json["job_id"] as? String)
            _ = try await server.waitForJob(jobId, timeout: .seconds(30))
            let job = try await server.get("/v1/jobs/\(jobId)").json
            let item = try #require((job["items"] as? [[String: Any]])?.first)
            let url = try #require(item["download_url"] as? String)
            #expect(url.hasPrefix("\(S3BlobStoreTests.endpoint.absoluteString)/parley-test/results/\(jobId)/"))
            let fetched = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
            #expect(fetched.status == .ok)
            let result = try JSONSerialization.jsonObject(with: Data(buffer: try await fetched.body.collect(upTo: 1 << 20))) as? [String: Any]
            #expect(result?["text"] as? String == "echo 10 bytes")
        }
    }
}
