import Foundation
import Testing
import ParleyEngine
@testable import ParleyLimits
@testable import ParleyServer

/// Rate limits in a real Redis: shared between API processes, and what happens while Redis is gone.
@Suite(.timeLimit(.minutes(5))) struct RedisRateLimiterTests {
    static var redisURL: String { ProcessInfo.processInfo.environment["PARLEY_TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379" }

    @Test func twoAPIProcessesTogetherAdmitNoMoreThanTheRate() async throws {
        let database = try await TestDatabase.create()
        let redis = try RedisSettings(url: Self.redisURL)
        // The suite's load can hold a first query for seconds: the default 5 s operation timeout
        // could fail the server's start (its admin key), which is not what this test is about.
        var settings = database.settings
        settings.operationTimeout = .seconds(30)
        let shared: (inout ParleyConfiguration) -> Void = {
            $0.database = settings
            $0.migrate = true
            $0.redis = redis
        }
        // Each step's time, printed, so a slow or stuck step names itself in the log.
        let began = ContinuousClock.now
        func step(_ name: String) { print("twoAPIProcesses: \(name) after \(ContinuousClock.now - began)") }
        step("database created")
        try await LiveServer.with(worker: false, configure: shared) { first in
            step("first server listening")
            try await LiveServer.with(worker: false, configure: shared) { second in
                step("second server listening")
                let key = try await first.createKey(owner: "shared", ratePerMinute: 60, burst: 10)
                step("key created")
                let clock = ContinuousClock()
                let start = clock.now
                var admitted = 0
                var refusals: Set<String> = []
                for index in 0..<40 {
                    // Writes: the bucket a job submission draws from (reads have a larger one).
                    let response = try await (index.isMultiple(of: 2) ? first : second).post(
                        "/v1/jobs", json: ["job_type": "nope"], key: key)
                    if response.status == 400 { admitted += 1 } else { refusals.insert("\(response.status) \(response.errorCode ?? "")") }
                }
                let elapsed = Double((clock.now - start).components.seconds) + 1
                #expect(admitted >= 10, "the burst is admitted")
                #expect(Double(admitted) <= 10 + elapsed, "at most burst + 1/s across both processes: \(admitted) in \(elapsed) s")
                #expect(refusals == ["429 rate_limited"])
                step("40 requests answered")
            }
            step("second server stopped")
        }
        step("first server stopped")
        await database.drop()
    }

    @Test func failureModesWhileRedisIsStoppedAndRestarted() async throws {
        let port = try ProcessRunner.freePort()
        var redis = try await RedisProcess.start(port: port)
        defer { redis.stop() }
        let settings = RedisSettings(host: "127.0.0.1", port: port)
        let closed: (inout ParleyConfiguration) -> Void = { $0.redis = settings; $0.rateLimitFailureMode = .closed }
        let open: (inout ParleyConfiguration) -> Void = {
            $0.redis = settings
            $0.rateLimitFailureMode = .open
            $0.exportMetrics = true
        }
        _ = PrometheusExport.registry
        try await LiveServer.with(worker: false, configure: closed) { strict in
            try await LiveServer.with(worker: false, configure: open) { lenient in
                #expect(try await strict.get("/v1/jobs").status == 200)
                redis.stop()
                let refused = try await strict.get("/v1/jobs")
                #expect(refused.status == 503 && refused.errorCode == "rate_limiter_unavailable", "closed: \(refused.text)")
                #expect(try await lenient.get("/v1/jobs").status == 200, "open admits while Redis is down")
                redis = try await RedisProcess.start(port: port)
                #expect(try await eventually(timeout: .seconds(15)) { try await strict.get("/v1/jobs").status == 200 },
                        "the limiter reconnects by itself")
                let metrics = try await lenient.get("/metrics", key: nil).text
                #expect(metrics.contains("parley_ratelimit_backend_failures_total"))
            }
        }
    }

    @Test func scriptRepliesMapToDecisions() throws {
        let rule = RateRule(capacity: 10, refillPerSecond: 2)
        let admitted = try RedisRateLimiter.decision(from: .array([.integer(1), .integer(9), .integer(0), .integer(500)]), rule: rule)
        #expect(admitted == RateDecision(allowed: true, limit: 10, remaining: 9, resetSeconds: 1, retryAfterSeconds: 0))
        let refused = try RedisRateLimiter.decision(from: .array([.integer(0), .integer(0), .integer(1_200), .integer(5_000)]), rule: rule)
        #expect(refused == RateDecision(allowed: false, limit: 10, remaining: 0, resetSeconds: 5, retryAfterSeconds: 2))
        #expect(throws: RedisError.self) { try RedisRateLimiter.decision(from: .error("ERR"), rule: rule) }
        #expect(try RedisSettings(url: "redis://:s%40cret@cache:6380/2") == RedisSettings(host: "cache", port: 6380, password: "s@cret", database: 2))
        #expect(throws: (any Error).self) { try RedisSettings(url: "http://cache") }
    }
}

/// A `redis-server` of the test's own on a free loopback port, stopped by its pid.
struct RedisProcess {
    let process: SpawnedProcess

    /// Starts one and waits (without holding a thread) until it accepts connections.
    static func start(port: Int) async throws -> RedisProcess {
        let redis = RedisProcess(process: try SpawnedProcess.spawn(
            "/usr/bin/redis-server", ["--port", "\(port)", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            environment: ProcessInfo.processInfo.environment,
            stdin: ProcessRunner.devNull, stdout: ProcessRunner.devNull, stderr: ProcessRunner.devNull))
        guard await eventually(timeout: .seconds(30), interval: .milliseconds(50), { Self.accepts(port: port) }) else {
            redis.stop()
            throw TestFailure("redis-server did not start on port \(port)")
        }
        return redis
    }

    /// Whether something accepts TCP connections on the loopback port.
    static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    func stop() { process.killNow() }
}
