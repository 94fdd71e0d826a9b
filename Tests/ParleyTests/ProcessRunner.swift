import Foundation
import ParleyEngine

/// Runs programs for tests (promtool, espeak-ng, schemathesis, pg_ctlcluster and the like).
///
/// Every child is started by `SpawnedProcess`, so it inherits no descriptor of this process
/// but 0, 1 and 2: a daemon that a child starts (a restarted Postgres) cannot keep this
/// process's sockets or pipes open, and no read waits for an end-of-file that never comes.
enum ProcessRunner {
    struct Outcome {
        var status: Int32
        var output: String
    }

    /// `/dev/null`, open for reading and writing for the whole run.
    static let devNull: Int32 = open("/dev/null", O_RDWR | O_CLOEXEC)

    /// Runs `executable` to completion, its stdout and stderr captured together (or sent to
    /// `/dev/null` when `capture` is false: a daemon the program starts would keep a pipe open).
    /// A program that outlives `timeout` is killed and fails the call with its name and output.
    static func run(
        _ executable: String, _ arguments: [String], stdin: Data? = nil, capture: Bool = true,
        timeout: Duration = .seconds(300)
    ) async throws -> Outcome {
        let output = try PipeDescriptors()
        let input = try stdin.map { _ in try PipeDescriptors() }
        let process: SpawnedProcess
        do {
            defer {
                close(output.write)
                if let input { close(input.read) }
            }
            process = try SpawnedProcess.spawn(
                executable, arguments, environment: ProcessInfo.processInfo.environment,
                stdin: input?.read ?? devNull, stdout: capture ? output.write : devNull, stderr: capture ? output.write : devNull)
        } catch {
            close(output.read)
            if let input { close(input.write) }
            throw error
        }
        // Blocking reads and writes run on their own threads, off Swift's cooperative pool.
        async let collected = offPool { readToEnd(output.read) }
        if let input, let stdin {
            await offPool {
                stdin.withUnsafeBytes { buffer in
                    var offset = 0
                    while offset < buffer.count {
                        let written = write(input.write, buffer.baseAddress! + offset, buffer.count - offset)
                        if written <= 0 && errno != EINTR { break }
                        offset += max(written, 0)
                    }
                }
                close(input.write)
            }
        }
        let (termination, graceful) = await process.stop(signal: nil, grace: timeout)
        let text = String(decoding: await collected, as: UTF8.self)
        close(output.read)
        guard graceful, let termination else {
            throw TestFailure("\(executable) \(arguments.joined(separator: " ")) ran past \(timeout) and was killed; output:\n\(text.suffix(2_000))")
        }
        return Outcome(status: termination.exitCode ?? 128 + (termination.signal ?? 0), output: text)
    }

    /// Opens `path` for appending (created if missing), close-on-exec.
    static func openForAppending(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw TestFailure("cannot open \(path): errno \(errno)") }
        return descriptor
    }

    /// Reads `descriptor` until what arrived satisfies `done`, failing after `timeout` (or at
    /// end-of-file) with what arrived so far.
    static func read(_ descriptor: Int32, timeout: Duration, until done: @escaping @Sendable (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        let outcome: (text: String, complete: Bool) = await offPool {
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 4_096)
            while ContinuousClock.now < deadline {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) >= 0 || errno == EINTR else { break }
                guard poller.revents != 0 else { continue }
                let count = Glibc.read(descriptor, &buffer, buffer.count)
                guard count > 0 else { break }
                data.append(contentsOf: buffer[0..<count])
                if done(String(decoding: data, as: UTF8.self)) { return (String(decoding: data, as: UTF8.self), true) }
            }
            return (String(decoding: data, as: UTF8.self), false)
        }
        guard outcome.complete else { throw TestFailure("did not read what was expected within \(timeout); got: \(outcome.text)") }
        return outcome.text
    }

    private static func readToEnd(_ descriptor: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = Glibc.read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return data }
            data.append(contentsOf: buffer[0..<count])
        }
    }

    /// Runs blocking `body` on a thread of its own, off Swift's cooperative pool.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body()) }
        }
    }

    /// A free loopback TCP port, found by binding port 0.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

extension SpawnedProcess {
    /// For `defer` blocks, which cannot wait: SIGKILL, then reap (a killed child ends at once).
    func killNow() {
        send(SIGKILL)
        for _ in 0..<2_000 where isRunning { usleep(5_000) }
    }
}
