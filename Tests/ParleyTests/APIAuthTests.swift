import Foundation
import Testing
@testable import ParleyServer

@Suite(.timeLimit(.minutes(5))) struct APIAuthTests {
    static var job: [String: Any] { ["job_type": "asr", "items": [["id": "a", "base64": Data("x".utf8).base64EncodedString()]]] }

    @Test func keysSeeOnlyTheirOwnJobsAndScopesAreEnforced() async throws {
        try await LiveServer.with(worker: false) { server in
            let keyA = try await server.createKey(owner: "team-a")
            let keyB = try await server.createKey(owner: "team-b")
            let reader = try await server.createKey(owner: "auditor", scopes: ["jobs:read"])

            let created = try await server.post("/v1/jobs", json: Self.job, key: keyA)
            #expect(created.status == 202)
            let jobId = try #require(created.json["job_id"] as? String)
            #expect(created.json["enqueued_tasks"] as? Int == 1)
            #expect(created.headers["location"] == "/v1/jobs/\(jobId)")

            #expect(try await server.get("/v1/jobs/\(jobId)", key: keyA).status == 200)
            #expect(try await server.get("/v1/jobs/\(jobId)", key: keyB).status == 404)
            #expect(try await server.get("/v1/jobs/\(jobId)/results", key: keyB).status == 404)
            #expect(try await server.request(.POST, "/v1/jobs/\(jobId)/cancel", key: keyB).status == 404)
            #expect(try await server.get("/v1/jobs/\(jobId)", key: reader).status == 404)
            let listB = try await server.get("/v1/jobs", key: keyB).json["data"] as? [Any]
            #expect(listB?.isEmpty == true)

            let forbidden = try await server.post("/v1/jobs", json: Self.job, key: reader)
            #expect(forbidden.status == 403 && forbidden.errorCode == "forbidden")
            let notAdmin = try await server.post("/v1/auth/token", json: ["owner": "x"], key: keyA)
            #expect(notAdmin.status == 403)

            #expect(try await server.get("/v1/jobs", key: nil).status == 401)
            #expect(try await server.get("/v1/jobs", key: "pk_nope_nope").status == 401)
            #expect(try await server.get("/v1/jobs", key: keyA + "x").status == 401)
            let revoked = try await server.server.store.revokeKey(
                keyA.split(separator: "_")[1].description, audit: .init(keyId: nil, action: "key.revoke", target: "a"))
            #expect(revoked)
            #expect(try await server.get("/v1/jobs", key: keyA).status == 401)

            let actions = try await server.server.store.auditLog(limit: 50).map(\.action)
            #expect(actions.filter { $0 == "key.create" }.count == 4, "admin seed plus three keys")
            #expect(actions.contains("job.create") && actions.contains("key.revoke"))
        }
    }

    @Test func rateLimitRefusesWith429AndReportsHeaders() async throws {
        try await LiveServer.with(worker: false) { server in
            let key = try await server.createKey(owner: "slow", ratePerMinute: 1, burst: 2)
            let first = try await server.post("/v1/jobs", json: Self.job, key: key)
            #expect(first.status == 202)
            #expect(first.headers["ratelimit-limit"] == "2" && first.headers["ratelimit-remaining"] == "1")
            #expect(first.headers["ratelimit-reset"] != nil && first.headers["x-request-id"] != nil)
            let second = try await server.post("/v1/jobs", json: ["job_type": "nope"], key: key)
            #expect(second.status == 400 && second.headers["ratelimit-remaining"] == "0")
            let third = try await server.post("/v1/jobs", json: Self.job, key: key)
            #expect(third.status == 429 && third.errorCode == "rate_limited")
            #expect(Int(third.headers["retry-after"] ?? "") ?? 0 >= 1)
            #expect(try await server.get("/v1/jobs", key: key).status == 200, "reads draw from their own bucket")
        }
    }

    @Test func cancelListAndResultsWithoutAWorker() async throws {
        try await LiveServer.with(worker: false) { server in
            var ids: [String] = []
            for _ in 0..<3 { ids.append(try #require(try await server.post("/v1/jobs", json: Self.job).json["job_id"] as? String)) }
            let page = try await server.get("/v1/jobs?limit=2").json
            #expect((page["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[2], ids[1]])
            let cursor = try #require(page["next_cursor"] as? String)
            let rest = try await server.get("/v1/jobs?limit=2&cursor=\(cursor)").json
            #expect((rest["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])

            let notReady = try await server.get("/v1/jobs/\(ids[0])/items/a/result")
            #expect(notReady.status == 409 && notReady.errorCode == "result_unavailable")
            #expect(try await server.get("/v1/jobs/\(ids[0])/items/zzz/result").status == 404)
            #expect(try await server.get("/v1/jobs/\(ids[0])/items/a/result?format=pdf").errorParam == "format")

            let cancelled = try await server.request(.POST, "/v1/jobs/\(ids[0])/cancel")
            #expect(cancelled.status == 200 && cancelled.json["status"] as? String == "cancelled")
            let items = try #require(cancelled.json["items"] as? [[String: Any]])
            #expect(items.first?["status"] as? String == "cancelled")
            let actions = try await server.server.store.auditLog(limit: 50).map(\.action)
            #expect(actions.contains("job.cancel"))
        }
    }

    @Test func firstStartGeneratesAnAdminKeyOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var configuration = ParleyConfiguration(engine: EngineLocator.sidecar(root: LiveServer.repositoryRoot))
        configuration.dataDirectory = directory.path
        configuration.runWorker = false
        let first = try await ParleyServer.open(configuration, logger: TestLogger.make())
        let key = try #require(try await first.keys.bootstrapAdmin(seed: nil))
        #expect(try await first.keys.authenticate(key).scopes == [.admin])
        try await first.backend.close()
        let second = try await ParleyServer.open(configuration, logger: TestLogger.make())
        #expect(try await second.keys.bootstrapAdmin(seed: nil) == nil)
        #expect(try await second.store.listKeys().count == 1)
        try await second.backend.close()
    }
}
