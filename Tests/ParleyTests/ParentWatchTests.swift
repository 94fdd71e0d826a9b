import Foundation
import Testing
import ParleyEngine

/// `PARLEY_EXIT_WITH_PARENT`: a `parley serve` whose parent is killed (SIGKILL, no chance to
/// stop its children) shuts itself down instead of running on as an orphan.
@Suite(.timeLimit(.minutes(2))) struct ParentWatchTests {
    @Test func aServerWhoseParentIsKilledShutsItselfDown() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let logURL = directory.url.appendingPathComponent("stderr.log")
        var environment = ProcessInfo.processInfo.environment
        environment["PARLEY_ENGINE"] = "echo"
        environment["PARLEY_ADMIN_KEY"] = LiveServer.adminKey
        environment["PARLEY_LOG_FORMAT"] = "json"
        let log = try ProcessRunner.openForAppending(logURL.path)
        let stdout = try PipeDescriptors()
        // The shell is the server's parent; it prints the server's pid, then waits on it.
        let shell = try SpawnedProcess.spawn("/bin/sh", [
            "-c", #"PARLEY_EXIT_WITH_PARENT=$$ "$0" serve --port 0 --data-dir "$1" & echo "$!"; wait"#,
            LoggingTests.binary.path, directory.url.appendingPathComponent("data").path,
        ], environment: environment, stdin: ProcessRunner.devNull, stdout: stdout.write, stderr: log)
        close(stdout.write)
        close(log)
        defer { close(stdout.read) }
        let printed = try await ProcessRunner.read(stdout.read, timeout: .seconds(30)) { $0.hasSuffix("\n") }
        let pid = try #require(Int32(printed.trimmingCharacters(in: .whitespacesAndNewlines)))
        defer { if Self.isAlive(pid) { kill(pid, SIGKILL) } }
        #expect(await eventually(timeout: .seconds(60)) {
            LoggingTests.listeningPort(in: (try? String(contentsOf: logURL, encoding: .utf8)) ?? "") != nil
        }, "the server started")

        await shell.stop(signal: SIGKILL, grace: .seconds(10))
        #expect(await eventually(timeout: .seconds(30)) { !Self.isAlive(pid) }, "the orphaned server ended")
        let text = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
        #expect(text.contains("parent process ended"))
        #expect(text.contains("\"msg\":\"worker stopped\""), "it shut down gracefully: \(text.suffix(600))")
    }

    /// Whether `pid` runs: it exists and is not a zombie waiting for a reaper.
    static func isAlive(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first != "Z"
    }
}
