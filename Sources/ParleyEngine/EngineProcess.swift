import Foundation
import Logging
import Metrics
import NIOPosix
import ParleyCore
import Synchronization
import ParleyObservability

/// One `engine/` child process with one model loaded, spoken to over stdio.
///
/// Up to `callsPerProcess` calls run on it at once (the pool hands out that many slots), each
/// answered by id through the process's `EngineChannel`. The process is started lazily (one
/// start at a time), restarted after a crash with exponential backoff, and killed when a call
/// outlives its timeout, which fails the other calls in flight on it as crashed.
final class EngineProcess: Sendable {
    private struct Running: Sendable {
        let process: SpawnedProcess
        let channel: EngineChannel
    }

    private struct State {
        var running: Running?
        var consecutiveFailures = 0
        var loaded = false
        var capabilities: EngineLoadResponse?
        var starts = 0
    }

    let model: ModelSpec
    private let configuration: SidecarConfiguration
    private let threadPool: NIOThreadPool
    private let logger: Logger
    private let state = Mutex(State())
    private let sequence = Atomic<Int>(0)
    /// One start at a time: calls that find the process down wait for the same start.
    private let starting = AsyncSemaphore(permits: 1)

    private let reporter: (any ErrorReporter)?

    init(model: ModelSpec, configuration: SidecarConfiguration, threadPool: NIOThreadPool, reporter: (any ErrorReporter)?, logger: Logger) {
        self.model = model
        self.configuration = configuration
        self.threadPool = threadPool
        self.reporter = reporter
        self.logger = logger
    }

    /// The child's pid while it runs.
    var pid: Int32? { state.withLock { $0.running?.process.pid } }
    var isLoaded: Bool { state.withLock { $0.loaded } }
    /// What the model reported when it last loaded.
    var capabilities: EngineLoadResponse? { state.withLock { $0.capabilities } }
    var consecutiveFailures: Int { state.withLock { $0.consecutiveFailures } }

    /// Sends one request and decodes its response, starting the process first if needed.
    /// A response with `ok: false` throws the engine's error.
    func call<Response: Decodable>(_ request: EngineRequest, payload: Data = Data(), as type: Response.Type) async throws -> Response {
        let running = try await started()
        return try Self.decode(type, try await exchange(running, request, payload: payload, timeout: configuration.callTimeout))
    }

    static func decode<Response: Decodable>(_ type: Response.Type, _ header: Data) throws -> Response {
        let decoder = JSONDecoder()
        let status = try decoder.decode(EngineStatus.self, from: header)
        guard status.ok else {
            throw status.error.map { ParleyError.engineUnavailable($0.message) } ?? ParleyError.engineCrashed("the engine refused the request")
        }
        return try decoder.decode(type, from: header)
    }

    /// Starts the process and loads the model, unless it already runs.
    func ensureStarted() async throws {
        _ = try await started()
    }

    private func started() async throws -> Running {
        if let running = state.withLock({ $0.running }), running.process.isRunning, state.withLock({ $0.loaded }) { return running }
        return try await starting.withPermit {
            if let running = state.withLock({ $0.running }) {
                if running.process.isRunning && state.withLock({ $0.loaded }) { return running }
                await markDead(running)
            }
            return try await start()
        }
    }

    private func start() async throws -> Running {
        let failures = state.withLock { $0.consecutiveFailures }
        if failures > 0 {
            let backoff = min(30.0, 0.5 * pow(2.0, Double(failures - 1)))
            logger.warning("restarting engine after backoff", metadata: ["model": "\(model.name)", "seconds": "\(backoff)"])
            try await Task.sleep(for: .seconds(backoff))
        }
        let running: Running
        do {
            running = try spawn()
        } catch {
            state.withLock { $0.consecutiveFailures += 1 }
            throw error
        }
        let restart = state.withLock { state -> Bool in
            state.running = running
            state.loaded = false
            state.starts += 1
            return state.starts > 1
        }
        if restart { Counter(label: MetricName.engineRestarts, dimensions: [("model", model.name)]).increment() }
        do {
            let hello = try Self.decode(EngineHello.self, try await exchange(
                running, EngineRequest(op: "hello", id: nextId()), timeout: configuration.startTimeout))
            try hello.checkProtocol()
            let load = try Self.decode(EngineLoadResponse.self, try await exchange(
                running, EngineRequest(op: "load", id: nextId(), model: model.name, path: model.path,
                                       kind: model.kind.rawValue, config: model.config),
                timeout: configuration.startTimeout))
            state.withLock { $0.loaded = true; $0.consecutiveFailures = 0; $0.capabilities = load }
            logger.info("engine ready", metadata: [
                "model": "\(model.name)", "pid": "\(running.process.pid)", "device": "\(hello.device ?? "?")"])
            return running
        } catch {
            await markDead(running)
            throw error
        }
    }

    /// Asks the process to exit, then kills it if it lingers; returns once it has been reaped
    /// (or, should even SIGKILL not end it, after a bounded wait).
    func stop() async {
        guard let running = state.withLock({ state -> Running? in
            defer { state.running = nil; state.loaded = false }
            return state.running
        }) else { return }
        _ = try? await exchange(running, EngineRequest(op: "shutdown", id: nextId()), timeout: .seconds(5))
        running.channel.closeInput()
        let (termination, graceful) = await running.process.stop(signal: nil, grace: .seconds(5))
        if !graceful {
            logger.warning("engine did not exit after shutdown; killed", metadata: [
                "model": "\(model.name)", "pid": "\(running.process.pid)", "ended": "\(termination.map(\.description) ?? "not yet")"])
        }
    }

    private func nextId() -> String {
        "\(model.name)-\(sequence.add(1, ordering: .relaxed).newValue)"
    }

    private func spawn() throws -> Running {
        let arguments = [
            "-m", "parley_engine", "--device", configuration.device,
            "--compute-type", configuration.computeType, "--threads", "\(configuration.threads)",
            "--log-format", configuration.jsonLogs ? "json" : "text",
        ] + (configuration.batching ? [] : ["--no-batching"]) + (configuration.windowing ? [] : ["--no-windowing"])
            + (configuration.chunking ? [] : ["--no-chunking"]) + (configuration.packing ? ["--packing"] : [])
            + ["--parallel", "\(configuration.callsPerProcess)"]
        let engineDirectory = URL(fileURLWithPath: configuration.engineDirectory).standardizedFileURL.path
        var environment = ProcessInfo.processInfo.environment.merging(configuration.environment) { $1 }
        environment["PYTHONPATH"] = engineDirectory
        environment["PYTHONUNBUFFERED"] = "1"
        environment["HF_HUB_OFFLINE"] = "1"
        do {
            let stdin = try PipeDescriptors(), stdout = try PipeDescriptors()
            defer { close(stdin.read); close(stdout.write) }
            let process: SpawnedProcess
            do {
                process = try SpawnedProcess.spawn(
                    configuration.python, arguments, environment: environment, stdin: stdin.read, stdout: stdout.write)
            } catch {
                close(stdin.write)
                close(stdout.read)
                throw error
            }
            let channel = EngineChannel(input: stdin.write, output: stdout.read)
            let pid = process.pid
            // The reader lives as long as the process's output: it ends when the process does.
            threadPool.submit { _ in channel.readAll { Self.exited(pid) } }
            return Running(process: process, channel: channel)
        } catch {
            throw ParleyError.engineUnavailable("\(error)")
        }
    }

    /// Writes a frame and waits for its answer, racing a timeout that counts from the call's
    /// last sign of life (its start, or its last progress frame); a call that times out kills
    /// the process.
    private func exchange(_ running: Running, _ request: EngineRequest, payload: Data = Data(), timeout: Duration) async throws -> Data {
        var request = request
        request.payloadLength = payload.isEmpty ? nil : payload.count
        let frame = EngineFrame.encode(header: try JSONEncoder().encode(request), payload: payload)
        let pool = threadPool
        let watch = CallWatch()
        let crashed = Self.exited(running.process.pid)
        guard let reply = running.channel.register(request.id, watch: watch) else {
            await markDead(running)
            throw crashed
        }
        defer { running.channel.forget(request.id) }
        let response: Data?
        do {
            response = try await withThrowingTaskGroup(of: Data?.self) { group in
                group.addTask {
                    guard try await pool.runIfActive({ running.channel.send(frame) }) else { throw crashed }
                    return try await reply.value()
                }
                group.addTask {
                    try await watch.waitUntilQuiet(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() ?? nil else {
                    running.process.send(SIGKILL)
                    _ = try? await group.next()
                    return nil
                }
                return first
            }
        } catch {
            await markDead(running)
            throw error
        }
        guard let response else {
            await markDead(running)
            throw ParleyError.engineTimeout(seconds: Double(timeout.components.seconds))
        }
        return response
    }

    /// What a call gets when the process ended under it.
    private static func exited(_ pid: Int32) -> ParleyError {
        .engineCrashed("the engine process \(pid) exited")
    }

    /// Forgets a process that crashed, hung or broke the protocol, so the next call restarts it,
    /// and kills and reaps it.
    private func markDead(_ running: Running) async {
        let current = state.withLock { state -> Bool in
            guard state.running?.process === running.process else { return false }
            state.running = nil
            state.loaded = false
            state.consecutiveFailures += 1
            return true
        }
        guard current else { return }
        let pid = running.process.pid
        logger.error("engine process lost", metadata: ["model": "\(model.name)", "pid": "\(pid)"])
        reporter?.report(ErrorEvent(
            kind: "engine_crash", message: "engine process \(pid) for \(model.name) crashed, hung or broke the protocol",
            tags: ["model": model.name]))
        running.channel.closeInput()
        await running.process.stop(signal: SIGKILL, grace: .seconds(10))
    }
}
