import Foundation
import Testing
import ParleyCore
@testable import ParleyBlobs
@testable import ParleyServer

/// Time-limited signed URLs for the local blob store.
@Suite(.timeLimit(.minutes(5))) struct SignedBlobURLTests {
    @Test func signaturesCoverTheKeyAndTheExpiry() throws {
        let signer = BlobURLSigner(secret: Data(repeating: 7, count: 32))
        let url = signer.url(for: "results/job_1/itm_1.json", expires: 2_000)
        let signature = try #require(url.split(separator: "signature=").last.map(String.init))
        #expect(url.hasPrefix("/v1/blobs/results/job_1/itm_1.json?expires=2000&signature="))
        #expect(signer.verify("results/job_1/itm_1.json", expires: 2_000, signature: signature, now: 1_999))
        #expect(signer.verify("results/job_1/itm_1.json", expires: 2_000, signature: signature, now: 2_000))
        #expect(!signer.verify("results/job_1/itm_1.json", expires: 2_000, signature: signature, now: 2_001), "expired")
        #expect(!signer.verify("results/job_1/itm_2.json", expires: 2_000, signature: signature, now: 1_000), "another key")
        #expect(!signer.verify("results/job_1/itm_1.json", expires: 9_000, signature: signature, now: 1_000), "a later expiry")
        #expect(!signer.verify("results/job_1/itm_1.json", expires: 2_000, signature: String(signature.dropLast()), now: 1_000))
        let other = BlobURLSigner(secret: Data(repeating: 8, count: 32))
        #expect(!other.verify("results/job_1/itm_1.json", expires: 2_000, signature: signature, now: 1_000), "another secret")
    }

    @Test func theSecretIsMadeOnceAndKeptPrivate() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let file = directory.url.appendingPathComponent("url-signing.key")
        let first = try SecretFile.load(file)
        let second = try SecretFile.load(file)
        #expect(first.count == 32 && second == first)
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["url-signing.key"], "no temporary file left")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        #expect(throws: SecretFile.Failure.self) { try SecretFile.load(file) }
        try Data(count: 5).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
        #expect(throws: SecretFile.Failure.self) { try SecretFile.load(file) }
    }

    /// Processes starting at once on an empty data directory all end up with one secret.
    @Test func secretsMadeAtOnceAreOne() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let file = directory.url.appendingPathComponent("data/url-signing.key")
        let secrets = await withTaskGroup(of: Data?.self) { group in
            for _ in 0..<16 { group.addTask { try? SecretFile.load(file) } }
            return await group.reduce(into: [Data?]()) { $0.append($1) }
        }
        #expect(secrets.count == 16 && secrets.allSatisfy { $0 != nil } && Set(secrets.compactMap { $0 }).count == 1)
    }

    @Test func resultsDownloadWithoutAKeyUntilTheURLIsTamperedWith() async throws {
        try await LiveServer.with(worker: true, configure: { $0.echoDelay = .zero }) { server in
            let created = try await server.post("/v1/jobs", json: ["job_type": "asr", "items": [["id": "a", "base64": "eA=="]]])
            let jobId = try #require(created.json["job_id"] as? String)
            _ = try await server.waitForJob(jobId, timeout: .seconds(30))
            let item = try #require((try await server.get("/v1/jobs/\(jobId)").json["items"] as? [[String: Any]])?.first)
            let url = try #require(item["download_url"] as? String)
            #expect(url.hasPrefix("/v1/blobs/results/\(jobId)/"), "\(url)")
            let fetched = try await server.get(url, key: nil)
            #expect(fetched.status == 200 && fetched.json["text"] as? String == "echo 1 bytes", "\(fetched.text)")
            for tampered in [
                url.replacingOccurrences(of: "signature=", with: "signature=0"),
                url.replacingOccurrences(of: "expires=", with: "expires=1"),
                url.replacingOccurrences(of: "results/", with: "inputs/"),
                String(url.prefix(while: { $0 != "?" })),
            ] {
                let refused = try await server.get(tampered, key: nil)
                #expect(refused.status == 403 && refused.errorCode == "signature_invalid", "\(tampered): \(refused.text)")
            }
        }
    }
}
