import Logging
import NIOCore
import ParleyCore
import PostgresNIO
import ServiceLifecycle

/// Wakes this process's idle workers when any process enqueues work (`LISTEN parley_work`),
/// and its waiters on a job when any process ends that job (`LISTEN parley_job_end`).
///
/// It holds one connection of its own and reconnects with backoff when it drops; after each
/// (re)connection it wakes every worker and waiter once, in case a notification fell into
/// the gap. Workers also poll, so a lost notification only costs a poll interval.
public struct PostgresWorkListener: Service {
    let settings: PostgresSettings
    let signal: WorkSignal
    let jobEnds: JobEndSignal
    let logger: Logger

    public init(settings: PostgresSettings, signal: WorkSignal, jobEnds: JobEndSignal, logger: Logger) {
        self.settings = settings
        self.signal = signal
        self.jobEnds = jobEnds
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await listenLoop() }
    }

    private func listenLoop() async {
        var backoff = Duration.milliseconds(250)
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try settings.connectionConfiguration(), id: 0, logger: logger)
                // The notification sequence ignores cancellation; closing the connection ends it.
                let outcome = await withTaskCancellationHandler {
                    await Result(catching: {
                        try await connection.listen(on: PostgresStore.workChannel) { work in
                            try await connection.listen(on: PostgresStore.jobEndChannel) { ends in
                                signal.notify()
                                jobEnds.notifyAll()
                                backoff = .milliseconds(250)
                                try await withThrowingTaskGroup(of: Void.self) { group in
                                    group.addTask { for try await _ in work { signal.notify() } }
                                    group.addTask { for try await end in ends { jobEnds.notify(jobId: end.payload) } }
                                    // A sequence ends only with the connection; close it so the other ends too.
                                    let first = await Result { try await group.next() }
                                    let _: EventLoopFuture<Void> = connection.close()
                                    try first.get()
                                }
                            }
                        }
                    })
                } onCancel: {
                    let _: EventLoopFuture<Void> = connection.close()
                }
                try? await connection.close()
                try outcome.get()
            } catch {
                if Task.isCancelled { break }
                logger.warning("work listener lost its connection; polling until it returns",
                               metadata: ["error": "\(String(reflecting: error))", "retry_in": "\(backoff)"])
            }
            try? await Task.sleep(for: backoff)
            backoff = min(backoff * 2, .seconds(5))
        }
    }
}
