import Foundation

/// A `parley` process started by a test, its output in a log file; stopped only by its pid.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let log: URL

    /// Starts the debug binary with `arguments`, the test's environment plus `environment`.
    init(_ arguments: [String], environment: [String: String], log: URL) throws {
        self.log = log
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.executableURL = LoggingTests.binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// SIGKILL: no shutdown, no lease release.
    func kill9() {
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    /// SIGTERM, then waits for the exit; SIGKILL after `grace`, so a process that hangs in
    /// shutdown fails its test (it returns false) instead of hanging the run.
    @discardableResult
    func stop(grace: Duration = .seconds(30)) -> Bool {
        guard process.isRunning else { return true }
        process.terminate()
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline { usleep(50_000) }
        let clean = !process.isRunning
        if !clean { kill(pid, SIGKILL) }
        process.waitUntilExit()
        return clean
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
}

/// The port a child `parley serve` listens on once `/v1/health` answers.
func waitForHealth(_ server: LiveServer, timeout: Duration = .seconds(60)) async throws {
    let healthy = await eventually(timeout: timeout, interval: .milliseconds(200)) {
        (try? await server.get("/v1/health", key: nil).status) == 200
    }
    guard healthy else { throw TestFailure("parley serve on port \(server.port) never answered /v1/health") }
}
