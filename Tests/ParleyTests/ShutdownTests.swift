import Foundation
import Testing
@testable import ParleyStore

/// SIGTERM ends the real `parley serve` within its grace period whatever it is doing, and
/// leaves no item running or leased.
@Suite(.timeLimit(.minutes(5))) struct ShutdownTests {
    enum Moment: String, CaseIterable, Sendable {
        /// Serving, nothing queued.
        case idle
        /// Whisper decoding a batch of real clips in the engine sidecar.
        case engineCall
        /// The echo engine settling hundreds of items a second: store transactions back to back.
        case transactions
    }

    @Test(arguments: Moment.allCases)
    func sigtermEndsTheServerWithinItsGrace(at moment: Moment) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let port = try ProcessRunner.freePort()
        var environment = [
            "PARLEY_ADMIN_KEY": LiveServer.adminKey, "PARLEY_ROOT": LiveServer.repositoryRoot.path,
            "PARLEY_PORT": "\(port)", "PARLEY_SHUTDOWN_GRACE_SECONDS": "5", "PARLEY_ENGINE_THREADS": "1",
        ]
        if moment == .transactions { environment["PARLEY_ENGINE"] = "echo" }
        let data = directory.url.appendingPathComponent("data")
        let server = try ChildProcess(["serve", "--data-dir", data.path], environment: environment,
                                      log: directory.url.appendingPathComponent("serve.log"))
        defer { server.killNow() }
        let api = LiveServer(port: port, server: nil)
        try await waitForHealth(api)
        var jobId: String?
        switch moment {
        case .idle:
            break
        case .engineCall:
            #expect(try await eventually(timeout: .seconds(120)) { try await api.get("/v1/ready", key: nil).status == 200 })
            let clips = try ["0870", "0890", "0920", "0930"].map { try TestAudio.librivox("sense_and_sensibility_01_austen_64kb-\($0)").audio }
            jobId = try await Self.submit(api, items: clips.map { ["base64": $0.base64EncodedString()] })
            #expect(try await eventually(timeout: .seconds(60), interval: .milliseconds(20)) { try await Self.progress(api, jobId!)["running"] ?? 0 > 0 })
        case .transactions:
            jobId = try await Self.submit(api, items: (0..<2_000).map { ["base64": Data("audio \($0)".utf8).base64EncodedString()] })
            #expect(try await eventually(timeout: .seconds(60), interval: .milliseconds(20)) { try await Self.progress(api, jobId!)["succeeded"] ?? 0 > 0 })
        }
        let stopped = await server.process.stop(grace: .seconds(30))
        #expect(stopped.graceful && stopped.termination?.succeeded == true,
                "\(moment): exit 0 on SIGTERM within the grace, got \(String(describing: stopped.termination)):\n\(server.output.suffix(3_000))")
        guard let jobId else { return }
        let items = try await SQLiteStore.withOpen(path: data.appendingPathComponent("parley.sqlite").path, logger: TestLogger.make()) {
            try await $0.items(jobId: jobId)
        }
        #expect(items.allSatisfy { $0.status == .queued || $0.status == .succeeded }, "\(Set(items.map(\.status)))")
        #expect(items.allSatisfy { $0.leaseOwner == nil }, "no lease survives a graceful stop")
    }

    static func submit(_ api: LiveServer, items: [[String: String]]) async throws -> String {
        let numbered = items.enumerated().map { $0.element.merging(["id": "item\($0.offset)"]) { $1 } }
        let created = try await api.post("/v1/jobs", json: ["job_type": "asr", "items": numbered])
        guard let id = created.json["job_id"] as? String else { throw TestFailure("job creation answered \(created.status): \(created.text)") }
        return id
    }

    static func progress(_ api: LiveServer, _ jobId: String) async throws -> [String: Int] {
        try await api.get("/v1/jobs/\(jobId)").json["progress"] as? [String: Int] ?? [:]
    }
}
