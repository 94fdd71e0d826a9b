import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ParleyCore
import ParleyServer
import Synchronization

/// A response as the tests see it.
struct TestResponse {
    var status: Int
    var headers: [String: String]
    var body: Data

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var text: String { String(decoding: body, as: UTF8.self) }
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var errorParam: String? { (json["error"] as? [String: Any])?["param"] as? String }
    var errorMessage: String? { (json["error"] as? [String: Any])?["message"] as? String }
}

/// A `parley serve` running in this process on a random loopback port, over real HTTP.
struct LiveServer {
    static let adminKey = "test-admin-key-0123456789-abcdefghijklmnop"
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    let port: Int
    /// The server, when the port is Parley's own (nil for other HTTP servers a test talks to).
    let server: ParleyServer!

    /// Runs `body` against a fresh server in a fresh data directory, then stops it.
    /// - Parameter directory: the data directory to use; by default a temporary one, removed afterwards.
    static func with(
        worker: Bool, directory given: TemporaryDirectory? = nil, configure: (inout ParleyConfiguration) -> Void = { _ in },
        _ body: (LiveServer) async throws -> Void
    ) async throws {
        let directory = try given ?? TemporaryDirectory()
        defer { if given == nil { directory.cleanup() } }
        var configuration = ParleyConfiguration(engine: EngineLocator.sidecar(root: repositoryRoot))
        configuration.port = 0
        configuration.dataDirectory = directory.path
        configuration.adminKey = adminKey
        configuration.runWorker = worker
        // The default's shape: one process per model, two calls at once over its one model copy.
        configuration.engine.callsPerProcess = 2
        configuration.engine.threads = 1
        configuration.worker.pollInterval = .milliseconds(200)
        configuration.worker.retry = RetryPolicy(baseDelay: 300, maxDelay: 2_000, maxAttempts: 5)
        configure(&configuration)
        let server = try await ParleyServer.open(configuration, logger: TestLogger.make())
        // nil: the server stopped, or did not listen in time.
        let (ports, continuation) = AsyncStream.makeStream(of: Int?.self)
        let watch = StartAndStopWatch()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                defer {
                    watch.phase.store(StartAndStopWatch.stopped, ordering: .relaxed)
                    continuation.yield(nil)
                }
                try await server.run(gracefulShutdownSignals: [], onListening: { continuation.yield($0) })
            }
            group.addTask { await watch.run(starting: continuation) }
            var iterator = ports.makeAsyncIterator()
            guard let next = await iterator.next(), let port = next else {
                // Surface why it never listened (run's error) instead of waiting for ever.
                watch.advance(from: StartAndStopWatch.starting, to: StartAndStopWatch.stopping)
                await server.shutdown()
                try await group.waitForAll()
                throw TestFailure("parley serve stopped, or did not listen within \(StartAndStopWatch.startLimit)")
            }
            watch.advance(from: StartAndStopWatch.starting, to: StartAndStopWatch.running)
            let outcome = await Result(catching: { try await body(LiveServer(port: port, server: server)) })
            watch.advance(from: StartAndStopWatch.running, to: StartAndStopWatch.stopping)
            await server.shutdown()
            try await group.waitForAll()
            try outcome.get()
        }
    }


    func request(
        _ method: HTTPMethod, _ path: String, key: String? = LiveServer.adminKey, body: Data? = nil,
        headers: [String: String] = [:]
    ) async throws -> TestResponse {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let key { request.headers.add(name: "Authorization", value: "Bearer \(key)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            if !headers.keys.contains("Content-Type") { request.headers.add(name: "Content-Type", value: "application/json") }
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let collected = try await response.body.collect(upTo: 64 * 1024 * 1024)
        var fields: [String: String] = [:]
        for header in response.headers { fields[header.name.lowercased()] = header.value }
        return TestResponse(status: Int(response.status.code), headers: fields, body: Data(buffer: collected))
    }

    func post(_ path: String, json: Any, key: String? = LiveServer.adminKey, headers: [String: String] = [:]) async throws -> TestResponse {
        try await request(.POST, path, key: key, body: try JSONSerialization.data(withJSONObject: json), headers: headers)
    }

    /// Sends `data` as the raw body of `POST /v1/uploads`.
    func upload(_ data: Data, key: String = LiveServer.adminKey) async throws -> TestResponse {
        try await request(.POST, "/v1/uploads", key: key, body: data, headers: ["Content-Type": "audio/wav"])
    }

    func get(_ path: String, key: String? = LiveServer.adminKey) async throws -> TestResponse {
        try await request(.GET, path, key: key)
    }

    /// Creates an API key through the admin route; returns the secret.
    func createKey(owner: String, scopes: [String] = ["jobs:write", "jobs:read"], ratePerMinute: Int? = nil, burst: Int? = nil) async throws -> String {
        var body: [String: Any] = ["owner": owner, "scopes": scopes]
        if let ratePerMinute { body["rate_per_minute"] = ratePerMinute }
        if let burst { body["burst"] = burst }
        let response = try await post("/v1/auth/token", json: body)
        guard response.status == 201, let key = response.json["key"] as? String else {
            throw TestFailure("creating a key answered \(response.status): \(response.text)")
        }
        return key
    }

    /// Polls the job until it reaches a terminal status or `timeout` passes.
    func waitForJob(_ id: String, key: String = LiveServer.adminKey, timeout: Duration = .seconds(180)) async throws -> [String: Any] {
        var last: [String: Any] = [:]
        let done = try await eventually(timeout: timeout, interval: .milliseconds(250)) {
            last = try await get("/v1/jobs/\(id)", key: key).json
            return ["succeeded", "completed_with_errors", "failed", "cancelled"].contains(last["status"] as? String ?? "")
        }
        guard done else { throw TestFailure("job \(id) did not finish: \(last)") }
        return last
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Watches a `LiveServer`'s start and stop: ends a start that outlives `startLimit` (so the test
/// fails, naming it, instead of waiting for ever) and says when a shutdown is slow (a request
/// that never ends holds the server's graceful shutdown).
final class StartAndStopWatch: Sendable {
    static let starting = 0, running = 1, stopping = 2, stopped = 3
    static let startLimit = Duration.seconds(120)
    let phase = Atomic<Int>(StartAndStopWatch.starting)

    /// Moves on only from `from`: a server that already stopped stays stopped.
    func advance(from: Int, to: Int) {
        _ = phase.compareExchange(expected: from, desired: to, ordering: .relaxed)
    }

    func run(starting: AsyncStream<Int?>.Continuation) async {
        let start = ContinuousClock.now
        while phase.load(ordering: .relaxed) == Self.starting {
            if ContinuousClock.now - start > Self.startLimit || Task.isCancelled {
                starting.yield(nil)
                break
            }
            await sleepThroughCancellation(for: .milliseconds(50))
        }
        var stopping: ContinuousClock.Instant?
        var reported = 0
        while phase.load(ordering: .relaxed) != Self.stopped {
            if phase.load(ordering: .relaxed) == Self.stopping {
                let since = stopping ?? ContinuousClock.now
                stopping = since
                let seconds = Int((ContinuousClock.now - since).components.seconds)
                if seconds / 30 > reported {
                    reported = seconds / 30
                    print("LiveServer: still shutting down after \(seconds) s")
                }
            }
            await sleepThroughCancellation(for: .milliseconds(50))
        }
    }
}
