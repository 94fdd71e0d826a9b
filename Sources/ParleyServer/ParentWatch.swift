import Glibc
import Logging
import ServiceLifecycle

/// Ends this process the way SIGTERM does once the process that started it is gone
/// (`PARLEY_EXIT_WITH_PARENT=<pid>`): a supervisor or test harness that dies, even by
/// SIGKILL, leaves no `parley` behind. The parent is gone when this process's parent id
/// is no longer the one given (the kernel hands orphans to init or a subreaper).
struct ParentWatch: Service {
    let parent: pid_t
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if getppid() != parent {
                    logger.warning("parent process ended; shutting down", metadata: ["parent_pid": "\(parent)"])
                    kill(getpid(), SIGTERM)
                    return
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
