import Foundation
import Logging
import Metrics
import NIOPosix
import ParleyCore
import Synchronization
import ParleyObservability

/// One `engine/` child process with one model loaded, spoken to over stdio.
///
/// Calls are strictly one at a time (the owner holds a slot). The process is
/// started lazily, restarted after a crash with exponential backoff, and killed
/// when a call outlives its timeout.
final class EngineProcess: Sendable {
    private struct Running: Sendable {
        let process: SpawnedProcess
        let input: Int32
        let output: Int32
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
        if let running = state.withLock({ $0.running }) {
            if running.process.isRunning { return running }
            await markDead(running)
        }
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
        close(running.input)
        let (termination, graceful) = await running.process.stop(signal: nil, grace: .seconds(5))
        if !graceful {
            logger.warning("engine did not exit after shutdown; killed", metadata: [
                "model": "\(model.name)", "pid": "\(running.process.pid)", "ended": "\(termination.map(\.description) ?? "not yet")"])
        }
        close(running.output)
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
            return Running(process: process, input: stdin.write, output: stdout.read)
        } catch {
            throw ParleyError.engineUnavailable("\(error)")
        }
    }

    /// Writes a frame and reads the answer on the engine's own threads, racing a timeout that
    /// counts from the call's last sign of life (its start, or its last progress frame).
    private func exchange(_ running: Running, _ request: EngineRequest, payload: Data = Data(), timeout: Duration) async throws -> Data {
        var request = request
        request.payloadLength = payload.isEmpty ? nil : payload.count
        let frame = EngineFrame.encode(header: try JSONEncoder().encode(request), payload: payload)
        let pool = threadPool
        let watch = CallWatch()
        let logger = self.logger
        let response: Data?
        do {
            response = try await withThrowingTaskGroup(of: Data?.self) { group in
                group.addTask { try await pool.runIfActive { try Self.blockingExchange(running, frame, watch, logger) } }
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
        close(running.input)
        await running.process.stop(signal: SIGKILL, grace: .seconds(10))
        close(running.output)
    }

    /// Writes the request, then reads frames until the answer, noting each progress frame on
    /// `watch`.
    private static func blockingExchange(_ running: Running, _ frame: Data, _ watch: CallWatch, _ logger: Logger) throws -> Data {
        let crashed = ParleyError.engineCrashed("the engine process \(running.process.pid) exited")
        guard writeAll(running.input, frame) else { throw crashed }
        while true {
            guard let prefix = readExactly(running.output, 4), let length = EngineFrame.headerLength(prefix: prefix),
                  let header = readExactly(running.output, length)
            else { throw crashed }
            guard let progress = EngineProgress.decode(header) else { return header }
            watch.touch()
            logger.debug("engine progress", metadata: ["item": "\(progress.item)", "seconds": "\(progress.seconds)"])
        }
    }

    private static func writeAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return false }
                offset += written
            }
            return true
        }
    }

    private static func readExactly(_ fd: Int32, _ count: Int) -> Data? {
        var data = Data(count: count)
        let complete = data.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < count {
                let got = read(fd, buffer.baseAddress! + offset, count - offset)
                if got < 0 && errno == EINTR { continue }
                if got <= 0 { return false }
                offset += got
            }
            return true
        }
        return complete ? data : nil
    }
}
