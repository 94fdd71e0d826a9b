import Logging
import NIOCore
import ParleyCore
import PostgresNIO
import ServiceLifecycle

/// Wakes this process's idle workers when any process enqueues work, through `LISTEN parley_work`.
///
/// It holds one connection of its own and reconnects with backoff when it drops; after each
/// (re)connection it wakes the workers once, in case a notification fell into the gap.
/// Polling stays the fallback, so a lost notification only costs a poll interval.
public struct PostgresWorkListener: Service {
    let settings: PostgresSettings
    let signal: WorkSignal
    let logger: Logger

    public init(settings: PostgresSettings, signal: WorkSignal, logger: Logger) {
        self.settings = settings
        self.signal = signal
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
                        try await connection.listen(on: PostgresStore.workChannel) { notifications in
                            signal.notify()
                            backoff = .milliseconds(250)
                            for try await _ in notifications { signal.notify() }
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
