import Foundation
import Logging
import NIOPosix
import ParleyCore
import ServiceLifecycle

/// Runs models in supervised `engine/` child processes (Python, CTranslate2).
///
/// As a `Service` it starts every process up front, keeps restarting those that
/// die, and stops them all on shutdown. Calls wait for a free process of their
/// model, so `processesPerModel` caps the model's concurrency.
public final class SidecarEngine: InferenceEngine, Service {
    private let configuration: SidecarConfiguration
    private let pools: [String: ProcessPool]
    private let threadPool: NIOThreadPool
    private let logger: Logger

    public init(configuration: SidecarConfiguration, logger: Logger) {
        // A write to a dead child's pipe must fail with EPIPE, not kill this process.
        signal(SIGPIPE, SIG_IGN)
        let threadPool = NIOThreadPool(numberOfThreads: max(1, configuration.models.count * configuration.processesPerModel))
        self.configuration = configuration
        self.threadPool = threadPool
        self.logger = logger
        self.pools = Dictionary(uniqueKeysWithValues: configuration.models.map { model in
            (model.name, ProcessPool(processes: (0..<configuration.processesPerModel).map { _ in
                EngineProcess(model: model, configuration: configuration, threadPool: threadPool, logger: logger)
            }))
        })
    }

    public var models: [String] { configuration.models.map(\.name) }

    /// The pids of a model's running processes (for operators and tests).
    public func pids(model: String) -> [Int32] {
        pools[model]?.processes.compactMap(\.pid) ?? []
    }

    public func run() async throws {
        threadPool.start()
        await withGracefulShutdownHandler {
            await supervise()
        } onGracefulShutdown: {}
        for pool in pools.values {
            for process in pool.processes { await process.stop() }
        }
        try await threadPool.shutdownGracefully()
    }

    /// Keeps every process started until shutdown; a crashed one comes back with backoff.
    private func supervise() async {
        await withTaskGroup(of: Void.self) { group in
            for pool in pools.values {
                for _ in pool.processes {
                    group.addTask {
                        while !Task.isCancelled && !Task.isShuttingDownGracefully {
                            do {
                                try await pool.withProcess { try await $0.ensureStarted() }
                            } catch {
                                self.logger.error("engine start failed", metadata: ["error": "\(error)"])
                            }
                            try? await Task.sleep(for: .milliseconds(500))
                        }
                    }
                }
            }
        }
    }

    public func transcribe(model: String, requests: [TranscriptionRequest]) async throws -> [String: Result<ItemResult, ParleyError>] {
        guard let pool = pools[model] else { throw ParleyError.engineUnavailable("no engine serves model \(model)") }
        var payload = Data()
        var items: [EngineRequest.Item] = []
        for request in requests {
            items.append(.init(id: request.id, offset: payload.count, length: request.audio.count,
                               options: request.options, translateTo: request.translateTo))
            payload.append(request.audio)
        }
        let call = EngineRequest(op: "transcribe", id: UUID().uuidString, model: model, items: items)
        let response = try await pool.withProcess { try await $0.call(call, payload: payload) }
        guard response.ok, let results = response.results else {
            throw response.error.map { ParleyError.engineUnavailable($0.message) } ?? ParleyError.engineCrashed("empty engine response")
        }
        var byId: [String: Result<ItemResult, ParleyError>] = [:]
        for item in results {
            if item.ok, let result = item.result {
                byId[item.id] = .success(result)
            } else {
                byId[item.id] = .failure(item.error?.parleyError ?? .engineCrashed("the engine gave no result"))
            }
        }
        return byId
    }

    public func health() -> EngineHealth {
        var notReady: [String] = []
        var failing: [String] = []
        for (name, pool) in pools {
            if !pool.processes.contains(where: \.isLoaded) { notReady.append(name) }
            if pool.processes.allSatisfy({ $0.consecutiveFailures >= configuration.unhealthyAfterFailures }) { failing.append(name) }
        }
        let detail = notReady.isEmpty ? "all models loaded" : "loading: \(notReady.sorted().joined(separator: ", "))"
        return EngineHealth(ready: notReady.isEmpty, unhealthy: !failing.isEmpty,
                            detail: failing.isEmpty ? detail : "failing: \(failing.sorted().joined(separator: ", "))")
    }
}
