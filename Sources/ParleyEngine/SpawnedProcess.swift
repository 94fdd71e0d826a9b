import CParleySpawn
import Glibc
import ParleyCore
import Synchronization

/// A child process that Parley starts and reaps itself, without Foundation's `Process`.
///
/// Foundation's `Process` on Linux learns that a child ended when a socket that the child
/// inherits reaches end-of-file. Any other child spawned at the same moment can inherit that
/// socket too (Foundation closes descriptors up to a maximum it reads before spawning), and
/// then the first child's exit goes unseen until the second one exits: `isRunning` stays
/// true, the exited child stays a zombie, and `waitUntilExit()` spins for ever. This type
/// spawns with every descriptor but 0, 1 and 2 closed in the child and learns of its exit
/// from `waitpid` on its own pid, so nothing another child holds can hide it.
public final class SpawnedProcess: Sendable {
    /// How a child ended.
    public struct Termination: Sendable, Equatable, CustomStringConvertible {
        /// The exit status, when the child exited.
        public let exitCode: Int32?
        /// The signal that ended the child, when one did.
        public let signal: Int32?

        /// An end whose status is unknown: someone else reaped the child.
        static let unknown = Termination(exitCode: nil, signal: nil)

        private init(exitCode: Int32?, signal: Int32?) {
            self.exitCode = exitCode
            self.signal = signal
        }

        init(waitStatus status: Int32) {
            let signal = status & 0x7f
            if signal == 0 {
                (exitCode, self.signal) = ((status >> 8) & 0xff, nil)
            } else {
                (exitCode, self.signal) = (nil, signal)
            }
        }

        /// An exit with status 0.
        public var succeeded: Bool { exitCode == 0 }

        public var description: String {
            exitCode.map { "exit \($0)" } ?? signal.map { "signal \($0)" } ?? "ended, status unknown"
        }
    }

    /// The child's process id; never signalled once the child has been reaped.
    public let pid: pid_t
    private let ended = Mutex<Termination?>(nil)

    private init(pid: pid_t) {
        self.pid = pid
    }

    /// Starts `executable` with `arguments` and exactly `environment`. The descriptors given
    /// become the child's standard input, output and error; `nil` leaves the parent's.
    public static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String],
        stdin: Int32? = nil, stdout: Int32? = nil, stderr: Int32? = nil
    ) throws(SpawnError) -> SpawnedProcess {
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid = pid_t()
        let status = parley_spawn(&pid, executable, argv, envp, stdin ?? -1, stdout ?? -1, stderr ?? -1)
        guard status == 0 else { throw SpawnError(executable: executable, errno: status) }
        return SpawnedProcess(pid: pid)
    }

    /// How the child ended, reaping it if it just did; `nil` while it runs.
    public var termination: Termination? {
        ended.withLock { ended in
            if ended == nil {
                var status: Int32 = 0
                var result: pid_t
                repeat { result = waitpid(pid, &status, WNOHANG) } while result < 0 && errno == EINTR
                if result == pid {
                    ended = Termination(waitStatus: status)
                } else if result < 0 && errno == ECHILD {
                    ended = .unknown  // not our child any more (reaped elsewhere): it has ended
                }
            }
            return ended
        }
    }

    public var isRunning: Bool { termination == nil }

    /// Sends `signal` to the child unless it has already been reaped (its pid may be reused).
    public func send(_ signal: Int32) {
        ended.withLock { if $0 == nil { _ = kill(pid, signal) } }
    }

    /// Waits until the child ends or `timeout` passes, polling its status; returns how it
    /// ended, or `nil` if it still runs. Cancellation does not cut the wait short.
    public func wait(timeout: Duration) async -> Termination? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let termination { return termination }
            guard ContinuousClock.now < deadline else { return nil }
            await sleepThroughCancellation(for: .milliseconds(10))
        }
    }

    /// Sends `signal` (SIGTERM by default; `nil` sends none), waits up to `grace`, then kills
    /// the child and reaps it. Returns how it ended and whether it ended within the grace.
    @discardableResult
    public func stop(signal: Int32? = SIGTERM, grace: Duration) async -> (termination: Termination?, graceful: Bool) {
        if let signal { send(signal) }
        if let termination = await wait(timeout: grace) { return (termination, true) }
        send(SIGKILL)
        return (await wait(timeout: .seconds(10)), false)
    }
}

/// A child process that could not be started.
public struct SpawnError: Error, CustomStringConvertible {
    public let executable: String
    public let errno: Int32

    public var description: String {
        "cannot start \(executable): \(String(cString: strerror(errno)))"
    }
}

/// One pipe whose both ends close on `exec`, so only the descriptor handed to a child as its
/// 0, 1 or 2 reaches it.
public struct PipeDescriptors: Sendable {
    public let read: Int32
    public let write: Int32

    public init() throws(SpawnError) {
        var fds: [Int32] = [-1, -1]
        let status = parley_pipe(&fds)
        guard status == 0 else { throw SpawnError(executable: "pipe", errno: status) }
        (read, write) = (fds[0], fds[1])
    }
}
