import Foundation
import Testing
@testable import ParleyBlobs
@testable import ParleyCore
@testable import ParleyStore

/// Many `parley` processes on one Postgres: workers killed at random, Postgres going away.
/// The echo engine stands in for the model, so these tests are about the queue alone.
@Suite(.timeLimit(.minutes(5))) struct ClusterTests {
    /// Everything the processes of one cluster share.
    struct Cluster {
        let database: TestDatabase
        let directory: TemporaryDirectory
        let port: Int
        /// Milliseconds the echo engine spends per item.
        var echoDelay = 60
        /// Blobs in the S3 test bucket (SeaweedFS) rather than a shared directory.
        var s3 = false

        var environment: [String: String] {
            [
                "PARLEY_DATABASE_URL": database.url, "PARLEY_BLOB_URL": "file://\(directory.path)/blobs",
                "PARLEY_DATA_DIR": directory.path, "PARLEY_ENGINE": "echo", "PARLEY_ECHO_DELAY_MS": "\(echoDelay)",
                "PARLEY_LEASE_SECONDS": "2", "PARLEY_BATCH_SIZE": "4", "PARLEY_ADMIN_KEY": LiveServer.adminKey,
                "PARLEY_STORE_TIMEOUT": "2", "PARLEY_LOG_LEVEL": "warning", "PARLEY_LOG_FORMAT": "json",
                "PARLEY_PORT": "\(port)",
                // One engine slot per worker, so the echo delay sets each test's pace.
                "PARLEY_ENGINE_PROCESSES": "1", "PARLEY_ENGINE_PARALLEL": "1",
                // Killed workers charge every item they hold (prefetched batches too), and
                // rescued items are claimed again first, together: these tests are about
                // losing and duplicating nothing, not about the attempt limit.
                "PARLEY_MAX_ATTEMPTS": "20",
            ].merging(s3 ? [
                "PARLEY_BLOB_URL": "s3://parley-test?endpoint=\(S3BlobStoreTests.endpoint.absoluteString)",
                "PARLEY_S3_ACCESS_KEY": S3BlobStoreTests.credentials.accessKey,
                "PARLEY_S3_SECRET_KEY": S3BlobStoreTests.credentials.secretKey,
            ] : [:]) { $1 }
        }

        var api: LiveServer { LiveServer(port: port, server: nil) }

        func start(_ arguments: [String], log: String) throws -> ChildProcess {
            try ChildProcess(arguments, environment: environment, log: directory.url.appendingPathComponent(log))
        }

        /// The job's items as the database holds them, and the result blobs the blob store holds:
        /// every file in the job's results folder, or on S3 each item's result object that exists.
        func audit(jobId: String) async throws -> (items: [JobItem], blobs: Set<String>) {
            let items = try await database.withStore { try await $0.items(jobId: jobId) }
            guard s3 else {
                let folder = directory.url.appendingPathComponent("blobs/results/\(jobId)")
                return (items, Set((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []))
            }
            let bucket = S3BlobStore(settings: S3Settings(
                endpoint: S3BlobStoreTests.endpoint, bucket: "parley-test", credentials: S3BlobStoreTests.credentials))
            var blobs: Set<String> = []
            for case let ref? in items.map(\.resultRef) where try await bucket.get(ref) != nil {
                blobs.insert(String(ref.split(separator: "/").last ?? ""))
            }
            return (items, blobs)
        }
    }

    static func submit(_ api: LiveServer, items count: Int) async throws -> String {
        let items = (0..<count).map { ["id": "clip-\($0)", "base64": Data("audio \($0)".utf8).base64EncodedString()] }
        let created = try await api.post("/v1/jobs", json: ["job_type": "asr", "items": items])
        guard created.status == 202, let id = created.json["job_id"] as? String else {
            throw TestFailure("job creation answered \(created.status): \(created.text)")
        }
        return id
    }

    /// Every item succeeded once: one result row, one result blob, nothing extra.
    static func expectExactlyOnce(_ audit: (items: [JobItem], blobs: Set<String>), count: Int) {
        #expect(audit.items.count == count)
        #expect(audit.items.allSatisfy { $0.status == .succeeded })
        let refs = audit.items.compactMap(\.resultRef)
        #expect(refs.count == count && Set(refs).count == count, "one distinct result per item")
        let visible = Set(refs.map { String($0.split(separator: "/").last ?? "") })
        #expect(visible.isSubset(of: audit.blobs), "every item's result blob exists")
        // A blob no item names can only be an earlier attempt's, cut off before it finished.
        let retried = audit.items.filter { $0.attempts > 1 }.map { "\($0.id)." }
        let strays = audit.blobs.subtracting(visible)
        #expect(strays.allSatisfy { stray in retried.contains { stray.hasPrefix($0) } }, "strays: \(strays)")
    }

    @Test func killedWorkersLoseAndDuplicateNothing() async throws {
        let database = try await TestDatabase.create()
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        // The production topology: Postgres, S3 storage, one API and three workers.
        // 300 ms per item: at least 30 s of work for three workers of one engine slot each,
        // so a loaded machine's slow polls and kills still see several kills.
        let cluster = Cluster(
            database: database, directory: directory, port: try ProcessRunner.freePort(), echoDelay: 300, s3: true)
        let migrate = try cluster.start(["migrate"], log: "migrate.log")
        #expect(await migrate.process.wait(timeout: .seconds(60))?.succeeded == true, "\(migrate.output)")

        let api = try cluster.start(["serve", "--no-worker"], log: "api.log")
        var workers = try (0..<3).map { try cluster.start(["worker"], log: "worker-\($0).log") }
        defer {
            for worker in workers { worker.killNow() }
            api.killNow()
        }
        try await waitForHealth(cluster.api)
        let jobId = try await Self.submit(cluster.api, items: 300)

        // A worker dies at the start and after every 25 more items succeed: the number of kills
        // follows the job's progress, not the machine's speed.
        var kills = 0
        var killedAt = -25
        var generator = SystemRandomNumberGenerator()
        // The slowest poll, kill and restart, so a run with too few kills says what was slow.
        var slowest: [String: Duration] = [:]
        func timed<T>(_ step: String, _ body: () async throws -> T) async rethrows -> T {
            let start = ContinuousClock.now
            defer { slowest[step] = max(slowest[step] ?? .zero, ContinuousClock.now - start) }
            return try await body()
        }
        let started = ContinuousClock.now
        let finished = try await eventually(timeout: .seconds(240), interval: .milliseconds(100)) {
            let job = try await timed("poll") { try await cluster.api.get("/v1/jobs/\(jobId)").json }
            let status = job["status"] as? String
            if status == "succeeded" || status == "failed" || status == "completed_with_errors" { return true }
            let succeeded = (job["progress"] as? [String: Int])?["succeeded"] ?? 0
            guard succeeded >= killedAt + 25 else { return false }
            killedAt = succeeded
            let victim = Int(generator.next(upperBound: UInt32(workers.count)))
            await timed("kill") { await workers[victim].kill9() }
            kills += 1
            workers[victim] = try await timed("restart") { try cluster.start(["worker"], log: "worker-\(victim).log") }
            return false
        }
        let report = "\(kills) kills in \(ContinuousClock.now - started); slowest steps: \(slowest)"
        #expect(finished, "the job finished: \(report)")
        #expect(kills >= 3, "workers were killed while the job ran: \(report)")
        let job = try await cluster.api.get("/v1/jobs/\(jobId)").json
        #expect(job["status"] as? String == "succeeded", "\(job)")

        let audit = try await cluster.audit(jobId: jobId)
        Self.expectExactlyOnce(audit, count: 300)
        #expect(audit.items.contains { $0.attempts > 1 }, "some items were claimed again after a kill")
        #expect(api.isRunning)
        await database.drop()
    }

    /// The synchronous endpoint of an API-only process waits for a job that a worker in
    /// another process ends: the end crosses `NOTIFY parley_job_end` to the waiting API.
    @Test func aSynchronousRequestIsAnsweredWhenAnotherProcessEndsItsJob() async throws {
        let database = try await TestDatabase.create()
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let cluster = Cluster(database: database, directory: directory, port: try ProcessRunner.freePort())
        let migrate = try cluster.start(["migrate"], log: "migrate.log")
        #expect(await migrate.process.wait(timeout: .seconds(60))?.succeeded == true, "\(migrate.output)")
        let api = try cluster.start(["serve", "--no-worker"], log: "api.log")
        let worker = try cluster.start(["worker"], log: "worker.log")
        defer {
            worker.killNow()
            api.killNow()
        }
        try await waitForHealth(cluster.api)
        let response = try await NonSpeechTests.openAI(cluster.api, route: "transcriptions", audio: Data(count: 32_000))
        #expect(response.status == 200, "\(response.text)")
        #expect((response.json["text"] as? String)?.hasPrefix("echo 32000 bytes") == true, "\(response.text)")
        #expect(await worker.stop(), "parley worker shut down on SIGTERM")
        #expect(await api.stop(), "parley serve shut down on SIGTERM")
        await database.drop()
    }

    @Test func workerServesMetricsAndProbes() async throws {
        let database = try await TestDatabase.create()
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let cluster = Cluster(database: database, directory: directory, port: try ProcessRunner.freePort())
        let metricsPort = try ProcessRunner.freePort()
        let worker = try cluster.start(["worker", "--migrate", "--metrics-port", "\(metricsPort)"], log: "worker.log")
        defer { worker.killNow() }
        let probes = LiveServer(port: metricsPort, server: nil)
        try await waitForHealth(probes)
        #expect(try await probes.get("/v1/ready", key: nil).status == 200)
        let metrics = try await probes.get("/metrics", key: nil)
        #expect(metrics.status == 200 && metrics.text.contains("parley_queue_items"), "\(metrics.text.prefix(300))")
        #expect(try await probes.get("/v1/jobs", key: nil).status == 404, "a worker serves no API")
        #expect(await worker.stop(), "parley worker shut down on SIGTERM")
        await database.drop()
    }

    @Test func postgresGoingAwayAnswers503AndEveryItemFinishesOnce() async throws {
        let database = try await TestDatabase.create(on: TestDatabase.chaosURL)
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        // 100 items at 150 ms each take 15 s, so Postgres goes away mid-job.
        let cluster = Cluster(database: database, directory: directory, port: try ProcessRunner.freePort(), echoDelay: 150)
        let server = try cluster.start(["serve", "--migrate"], log: "serve.log")
        defer { server.killNow() }
        try await waitForHealth(cluster.api)
        let jobId = try await Self.submit(cluster.api, items: 100)
        #expect(try await eventually(timeout: .seconds(30)) {
            ((try await cluster.api.get("/v1/jobs/\(jobId)").json["progress"] as? [String: Any])?["succeeded"] as? Int ?? 0) > 5
        })

        let before = try await cluster.api.get("/v1/jobs/\(jobId)").json["status"] as? String
        try await Self.pgctl("stop", "-m", "fast")
        #expect(before == "running", "Postgres stops in the middle of the job")
        var answers: [Int: Int] = [:]
        var codes: Set<String> = []
        for _ in 0..<5 {
            let polled = try await cluster.api.get("/v1/jobs/\(jobId)")
            let created = try await cluster.api.post("/v1/jobs", json: ["job_type": "asr", "items": [["id": "x", "base64": "eA=="]]])
            for response in [polled, created] {
                answers[response.status, default: 0] += 1
                if let code = response.errorCode { codes.insert(code) }
            }
        }
        #expect(answers.keys.allSatisfy { $0 == 503 }, "only 503 while Postgres is down: \(answers)")
        #expect(codes == ["store_unavailable"])
        #expect(try await cluster.api.get("/v1/ready", key: nil).status == 503)
        #expect(server.isRunning, "the process survived")
        try await Self.pgctl("start")

        let job: [String: Any]
        do {
            job = try await cluster.api.waitForJob(jobId, timeout: .seconds(120))
        } catch {
            // The server's own account of the stall, which the test directory takes with it.
            let tail = server.output.split(separator: "\n").suffix(60).joined(separator: "\n")
            throw TestFailure("\(error)\n--- serve.log (last 60 lines) ---\n\(tail)")
        }
        #expect(job["status"] as? String == "succeeded", "\(job)")
        Self.expectExactlyOnce(try await cluster.audit(jobId: jobId), count: 100)
        #expect(await server.stop(), "parley serve shut down on SIGTERM after the restart")
        await database.drop()
    }

    /// Runs `pg_ctlcluster` on the chaos cluster. The Postgres it starts is a daemon that keeps
    /// whatever descriptors it inherits, so it must inherit none of this process's sockets or
    /// pipes (`ProcessRunner` sees to that).
    static func pgctl(_ action: String, _ options: String...) async throws {
        let outcome = try await ProcessRunner.run(
            "/usr/bin/pg_ctlcluster", TestDatabase.chaosCluster + [action] + options, capture: false)
        guard outcome.status == 0 else { throw TestFailure("pg_ctlcluster \(action) exited with status \(outcome.status)") }
    }
}
