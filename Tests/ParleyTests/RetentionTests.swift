import AsyncHTTPClient
import Foundation
import Testing
@testable import ParleyAPI
@testable import ParleyBlobs
@testable import ParleyCore
@testable import ParleyServer
@testable import ParleyStore
@testable import ParleyWorker

/// Deletion and retention: a deleted job's content is gone from every route, every signed
/// URL and the blob store; jobs past their retention and uploads no job named are purged by
/// the janitor, which leaves a tombstone. Run on SQLite with local blobs and on Postgres with S3.
@Suite(.timeLimit(.minutes(5))) struct RetentionTests {
    enum Deployment: String, CaseIterable, CustomTestStringConvertible {
        case embedded
        case production
        var testDescription: String { rawValue }
    }

    /// A live server of `deployment` with the echo engine and a janitor that never runs on
    /// its own (the tests sweep when they choose).
    static func with(_ deployment: Deployment, _ body: (LiveServer) async throws -> Void) async throws {
        let database = deployment == .production ? try await TestDatabase.create() : nil
        let outcome = await Result(catching: {
            try await LiveServer.with(worker: true, configure: {
                $0.echoDelay = .zero
                $0.janitorInterval = .seconds(3_600)
                if let database {
                    // The suite's load can hold a query for seconds; the default 5 s would fail
                    // a step this test is not about.
                    var settings = database.settings
                    settings.operationTimeout = .seconds(60)
                    $0.database = settings
                    $0.migrate = true
                    $0.s3 = S3Settings(endpoint: S3BlobStoreTests.endpoint, bucket: "parley-test", credentials: S3BlobStoreTests.credentials)
                }
            }, body)
        })
        await database?.drop()
        try outcome.get()
    }

    static func janitor(_ server: LiveServer) throws -> Janitor {
        let parley = try #require(server.server)
        return Janitor(store: parley.store, blobs: parley.blobs, owner: "janitor-test", interval: .seconds(3_600), logger: TestLogger.make())
    }

    /// A signed URL, relative (local blobs, served by the API) or absolute (S3): its status.
    static func fetch(_ url: String, on server: LiveServer) async throws -> Int {
        if url.hasPrefix("/") { return try await server.get(url, key: nil).status }
        return Int(try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30)).status.code)
    }

    @Test(arguments: Deployment.allCases)
    func aDeletedJobIsGoneFromEveryRouteEverySignedURLAndTheBlobStore(deployment: Deployment) async throws {
        try await Self.with(deployment) { server in
            let parley = try #require(server.server)
            let uploaded = try await server.upload(Data(repeating: 7, count: 4_000))
            let uploadId = try #require(uploaded.json["id"] as? String, "\(uploaded.text)")
            let created = try await server.post("/v1/jobs", json: ["job_type": "asr", "items": [
                ["id": "inline", "base64": Data(repeating: 1, count: 3_000).base64EncodedString()],
                ["id": "uploaded", "upload_id": uploadId],
            ]])
            let jobId = try #require(created.json["job_id"] as? String, "\(created.text)")
            #expect(try await server.waitForJob(jobId, timeout: .seconds(60))["status"] as? String == "succeeded")
            let items = try await parley.store.items(jobId: jobId)
            let keys = items.compactMap(\.input.blobKey) + items.compactMap(\.resultRef)
            #expect(keys.count == 4)
            let urls = try #require(try await server.get("/v1/jobs/\(jobId)").json["items"] as? [[String: Any]]).compactMap { $0["download_url"] as? String }
            #expect(urls.count == 2)
            for url in urls { #expect(try await Self.fetch(url, on: server) == 200, "before: \(url)") }

            let deleted = try await server.request(.DELETE, "/v1/jobs/\(jobId)")
            #expect(deleted.status == 200 && deleted.json["deleted"] as? Bool == true, "\(deleted.text)")

            for path in ["", "/results", "/results.zip", "/items/inline/result", "/items/inline/audio", "/items/uploaded/audio"] {
                let answer = try await server.get("/v1/jobs/\(jobId)\(path)")
                #expect(answer.status == 404 && answer.errorCode == "not_found", "GET \(path): \(answer.status)")
            }
            #expect(try await server.post("/v1/jobs/\(jobId)/cancel", json: [:]).status == 404)
            #expect(try await server.request(.DELETE, "/v1/jobs/\(jobId)").status == 404, "a second delete finds nothing")
            let listed = try #require(try await server.get("/v1/jobs").json["data"] as? [[String: Any]])
            #expect(!listed.contains { $0["job_id"] as? String == jobId || $0["id"] as? String == jobId })
            for url in urls {
                let status = try await Self.fetch(url, on: server)
                #expect(status == 404 || status == 403, "after: \(url) answered \(status)")
            }
            for key in keys { #expect(try await parley.blobs.size(key) == nil, "\(key) is gone") }
            let reuse = try await server.post("/v1/jobs", json: ["job_type": "asr", "items": [["id": "again", "upload_id": uploadId]]])
            #expect(reuse.status == 400 && reuse.errorCode == "upload_not_found", "the upload went with the job: \(reuse.text)")

            // The janitor removes the rows, leaving a tombstone; both steps are audited.
            #expect(try await Self.janitor(server).sweep(now: .now()).jobs == 1)
            #expect(try await parley.store.items(jobId: jobId).isEmpty)
            let audit = try await parley.store.auditLog(limit: 50).filter { $0.target == jobId }.map(\.action)
            #expect(audit.contains("job.delete") && audit.contains("job.purge"), "\(audit)")
        }
    }

    @Test(arguments: Deployment.allCases)
    func jobsPastTheirRetentionAndUnnamedUploadsArePurged(deployment: Deployment) async throws {
        try await Self.with(deployment) { server in
            let parley = try #require(server.server)
            let kept = try #require(try await server.post("/v1/jobs", json: [
                "job_type": "nmt", "items": [["id": "t", "text": "keep me", "src_lng": "en", "tgt_lng": "pt"]],
            ]).json["job_id"] as? String)
            let brief = try await server.post("/v1/jobs", json: [
                "job_type": "asr", "delete_after_seconds": 60, "items": [["id": "a", "base64": "eA=="]],
            ])
            let briefId = try #require(brief.json["job_id"] as? String, "\(brief.text)")
            for id in [kept, briefId] { _ = try await server.waitForJob(id, timeout: .seconds(60)) }
            let shown = try await server.get("/v1/jobs/\(briefId)").json
            #expect(shown["delete_after_seconds"] as? Int == 60 && shown["purge_at"] is String, "\(shown)")
            #expect(try await server.get("/v1/jobs/\(kept)").json["delete_after_seconds"] as? Int == 30 * 24 * 3_600, "the default")
            let briefKeys = try await parley.store.items(jobId: briefId).flatMap { [$0.input.blobKey, $0.resultRef].compactMap { $0 } }
            let upload = try #require(try await server.upload(Data(repeating: 3, count: 100)).json["id"] as? String)

            let janitor = try Self.janitor(server)
            let early = try await janitor.sweep(now: .now())
            #expect(early.jobs == 0 && early.uploads == 0, "nothing is due yet")
            let later = Millis.now() + 25 * 3_600 * 1_000  // past the brief job's 60 s and the upload's 24 h
            let swept = try await janitor.sweep(now: later)
            #expect(swept.jobs == 1 && swept.uploads == 1, "\(swept)")
            #expect(try await server.get("/v1/jobs/\(briefId)").status == 404)
            for key in briefKeys { #expect(try await parley.blobs.size(key) == nil, "\(key)") }
            #expect(try await server.get("/v1/jobs/\(kept)").status == 200, "the default retention (30 days) keeps the other")
            let named = try await server.post("/v1/jobs", json: ["job_type": "asr", "items": [["id": "x", "upload_id": upload]]])
            #expect(named.errorCode == "upload_not_found", "the unnamed upload expired: \(named.text)")
        }
    }

    @Test func deleteAfterSecondsIsChecked() async throws {
        try await Self.with(.embedded) { server in
            for value: Any in [-1, JobValidator.maxRetentionSeconds + 1, "soon"] {
                let answer = try await server.post("/v1/jobs", json: [
                    "job_type": "asr", "delete_after_seconds": value, "items": [["id": "a", "base64": "eA=="]],
                ])
                #expect(answer.status == 400, "\(value): \(answer.text)")
            }
        }
    }
}
