import Logging
import ParleyBlobs
import ParleyCore
import ParleyEngine
import ParleyStore
import ServiceLifecycle

/// Claims batches from the queue and runs them on the engine until shutdown.
///
/// On graceful shutdown it stops claiming; a batch in flight may finish within
/// `shutdownGrace`, after which its remaining items are released to the queue.
public struct WorkerService: Service {
    let queue: any QueueStore
    let engine: any InferenceEngine
    let signal: WorkSignal
    let configuration: WorkerConfiguration
    let processor: BatchProcessor
    let logger: Logger

    public init(
        queue: any QueueStore, blobs: any BlobStore, engine: any InferenceEngine, loader: InputLoader,
        signal: WorkSignal, configuration: WorkerConfiguration, reporter: (any ErrorReporter)? = nil, logger: Logger
    ) {
        self.queue = queue
        self.engine = engine
        self.signal = signal
        self.configuration = configuration
        self.logger = logger
        self.processor = BatchProcessor(
            queue: queue, blobs: blobs, engine: engine, loader: loader, configuration: configuration,
            engineSlots: AsyncSemaphore(permits: configuration.concurrency), reporter: reporter, logger: logger)
    }

    public func run() async throws {
        logger.info("worker started", metadata: ["worker": "\(configuration.id)", "models": "\(engine.models)"])
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await rescueLoop() }
                for _ in 0..<(configuration.concurrency + configuration.prefetch) {
                    group.addTask { await claimLoop() }
                }
            }
        } onGracefulShutdown: {
            signal.notify()
        }
        logger.info("worker stopped", metadata: ["worker": "\(configuration.id)"])
    }

    private var stopping: Bool { Task.isCancelled || Task.isShuttingDownGracefully }

    private func claimLoop() async {
        var turn = 0
        let queues = engine.models
        while !stopping {
            var claimed = false
            for offset in queues.indices where !stopping {
                let model = queues[(turn + offset) % queues.count]
                guard engine.health().ready else { break }
                do {
                    let batch = try await queue.claim(
                        model: model, limit: configuration.batchSize, owner: configuration.id,
                        lease: configuration.lease, now: .now())
                    guard !batch.isEmpty else { continue }
                    claimed = true
                    await run(batch, model: model)
                    break
                } catch {
                    logger.error("claim failed", metadata: ["model": "\(model)", "error": "\(error)"])
                    processor.reporter?.report(ErrorEvent(kind: "claim_failed", message: "\(error)", tags: ["model": model]))
                }
            }
            turn += 1
            if !claimed { await signal.wait(timeout: configuration.pollInterval) }
        }
    }

    /// Runs a batch while heartbeating its leases; releases what is left if shutdown outlasts the grace period.
    private func run(_ batch: [JobItem], model: String) async {
        let ids = batch.map(\.id)
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await processor.process(batch, model: model)
                return true
            }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: configuration.heartbeatInterval)
                    if Task.isCancelled { break }
                    _ = try? await queue.heartbeat(itemIds: ids, owner: configuration.id, lease: configuration.lease, now: .now())
                }
                return false
            }
            group.addTask {
                try? await gracefulShutdown()
                try? await Task.sleep(for: configuration.shutdownGrace)
                return false
            }
            var done = false
            while let result = await group.next() {
                if result || Task.isCancelled { done = result; break }
                if Task.isShuttingDownGracefully { break }
            }
            group.cancelAll()
            return done
        }
        if !finished {
            let released = (try? await queue.release(itemIds: ids, owner: configuration.id, now: .now())) ?? 0
            logger.warning("released items at shutdown", metadata: ["count": "\(released)"])
        }
    }

    private func rescueLoop() async {
        while !stopping {
            do {
                _ = try await queue.rescueExpired(now: .now())
            } catch {
                logger.error("rescue failed", metadata: ["error": "\(error)"])
            }
            await signal.wait(timeout: configuration.rescueInterval)
        }
    }
}
