import Foundation
import ParleyEngine

/// A `parley` process started by a test, its output in a log file; stopped only by its pid.
final class ChildProcess: Sendable {
    let process: SpawnedProcess
    let log: URL

    /// Starts the debug binary with `arguments`, the test's environment plus `environment`;
    /// it shuts itself down if the test process dies before stopping it.
    init(_ arguments: [String], environment: [String: String], log: URL) throws {
        self.log = log
        let descriptor = try ProcessRunner.openForAppending(log.path)
        defer { close(descriptor) }
        let inherited = ProcessInfo.processInfo.environment.merging(["PARLEY_EXIT_WITH_PARENT": "\(getpid())"]) { $1 }
        process = try SpawnedProcess.spawn(
            LoggingTests.binary.path, arguments, environment: inherited.merging(environment) { $1 },
            stdin: ProcessRunner.devNull, stdout: descriptor, stderr: descriptor)
    }

    var pid: Int32 { process.pid }
    var isRunning: Bool { process.isRunning }

    /// SIGKILL: no shutdown, no lease release.
    func kill9() async {
        await process.stop(signal: SIGKILL, grace: .seconds(10))
    }

    /// SIGTERM, then waits for the exit; SIGKILL after `grace`, so a process that hangs in
    /// shutdown fails its test (it returns false) instead of hanging the run.
    @discardableResult
    func stop(grace: Duration = .seconds(30)) async -> Bool {
        guard process.isRunning else { return true }
        return await process.stop(grace: grace).graceful
    }

    /// For `defer` blocks, which cannot wait: SIGKILL, then reap.
    func killNow() { process.killNow() }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
}

/// The port a child `parley serve` listens on once `/v1/health` answers.
func waitForHealth(_ server: LiveServer, timeout: Duration = .seconds(60)) async throws {
    let healthy = await eventually(timeout: timeout, interval: .milliseconds(200)) {
        (try? await server.get("/v1/health", key: nil).status) == 200
    }
    guard healthy else { throw TestFailure("parley serve on port \(server.port) never answered /v1/health") }
}
