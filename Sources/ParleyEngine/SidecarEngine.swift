import Foundation
import Logging
import Metrics
import NIOPosix
import ParleyCore
import ServiceLifecycle
import ParleyObservability

/// Runs models in supervised `engine/` child processes (Python, CTranslate2).
///
/// As a `Service` it starts every process up front, keeps restarting those that
/// die, and stops them all on shutdown. Calls wait for a free slot of their model:
/// `processesPerModel` processes, each holding one copy of the model and running
/// `callsPerProcess` calls at once, cap the model's concurrency.
public final class SidecarEngine: InferenceEngine, Service {
    private let configuration: SidecarConfiguration
    private let pools: [String: ProcessPool]
    private let threadPool: NIOThreadPool
    private let logger: Logger

    /// - Parameter reporter: told of every engine crash, hang or protocol break.
    public init(configuration: SidecarConfiguration, reporter: (any ErrorReporter)? = nil, logger: Logger) {
        // A write to a dead child's pipe must fail with EPIPE, not kill this process.
        signal(SIGPIPE, SIG_IGN)
        // Per process: its reader, and a writer for each call it runs at once.
        let threadPool = NIOThreadPool(
            numberOfThreads: max(1, configuration.models.count * configuration.processesPerModel * (1 + configuration.callsPerProcess)))
        self.configuration = configuration
        self.threadPool = threadPool
        self.logger = logger
        self.pools = Dictionary(uniqueKeysWithValues: configuration.models.map { model in
            (model.name, ProcessPool(processes: (0..<configuration.processesPerModel).map { _ in
                EngineProcess(model: model, configuration: configuration, threadPool: threadPool, reporter: reporter, logger: logger)
            }, callsPerProcess: configuration.callsPerProcess))
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
                for process in pool.processes {
                    group.addTask {
                        while !Task.isCancelled && !Task.isShuttingDownGracefully {
                            do {
                                try await process.ensureStarted()
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

    public func kind(of model: String) -> ModelKind? {
        configuration.models.first { $0.name == model }?.kind
    }

    /// Transcribes a batch in calls of at most `maxCallBytes` of audio each; within a call, when
    /// several of the model's processes are idle, the requests are split between them by audio
    /// size, so one batch of long recordings keeps every process busy. A call that crashes or
    /// times out is bisected (`CallContainment`), so only the item that causes it is charged.
    public func transcribe(model: String, requests: [TranscriptionRequest]) async throws -> [String: Result<ItemResult, ParleyError>] {
        var results: [String: Result<ItemResult, ParleyError>] = [:]
        for request in requests where request.audio.count > EngineFrame.maxPayloadBytes {
            results[request.id] = .failure(.inputTooLarge(limit: EngineFrame.maxPayloadBytes))
        }
        let fitting = requests.filter { $0.audio.count <= EngineFrame.maxPayloadBytes }
        for call in Self.calls(fitting, maxBytes: Self.maxCallBytes) {
            results.merge(try await transcribeSpread(model: model, requests: call)) { first, _ in first }
        }
        return results
    }

    /// The most audio bytes one engine call carries (a larger item travels alone).
    static let maxCallBytes = 256 * 1024 * 1024

    /// Consecutive groups of requests of at most `maxBytes` of audio each; a request larger than
    /// that forms a group of its own. No group is empty.
    static func calls(_ requests: [TranscriptionRequest], maxBytes: Int) -> [[TranscriptionRequest]] {
        var groups: [[TranscriptionRequest]] = []
        var bytes = 0
        for request in requests {
            if groups.isEmpty || bytes + request.audio.count > maxBytes {
                groups.append([])
                bytes = 0
            }
            groups[groups.count - 1].append(request)
            bytes += request.audio.count
        }
        return groups
    }

    private func transcribeSpread(model: String, requests: [TranscriptionRequest]) async throws -> [String: Result<ItemResult, ParleyError>] {
        let parts = Self.split(requests, into: min(pools[model]?.idle ?? 1, requests.count))
        guard parts.count > 1 else { return try await transcribeContained(model: model, requests: requests) }
        return try await withThrowingTaskGroup(of: [String: Result<ItemResult, ParleyError>].self) { group in
            for part in parts {
                group.addTask { try await self.transcribeContained(model: model, requests: part) }
            }
            return try await group.reduce(into: [:]) { merged, results in merged.merge(results) { first, _ in first } }
        }
    }

    private func transcribeContained(model: String, requests: [TranscriptionRequest]) async throws -> [String: Result<ItemResult, ParleyError>] {
        try await CallContainment.run(requests, id: \.id) { try await self.transcribeOnOne(model: model, requests: $0, alone: $1) }
    }

    /// Deals requests into `count` parts of about equal audio bytes, largest first (none empty).
    static func split(_ requests: [TranscriptionRequest], into count: Int) -> [[TranscriptionRequest]] {
        guard count > 1 else { return [requests] }
        var parts = Array(repeating: (bytes: 0, requests: [TranscriptionRequest]()), count: count)
        for request in requests.sorted(by: { $0.audio.count > $1.audio.count }) {
            let lightest = parts.indices.min { parts[$0].bytes < parts[$1].bytes }!
            parts[lightest].bytes += request.audio.count
            parts[lightest].requests.append(request)
        }
        return parts.map(\.requests).filter { !$0.isEmpty }
    }

    private func transcribeOnOne(
        model: String, requests: [TranscriptionRequest], alone: Bool
    ) async throws -> [String: Result<ItemResult, ParleyError>] {
        var payload = Data()
        var items: [EngineRequest.Item] = []
        for request in requests {
            items.append(.init(id: request.id, offset: payload.count, length: request.audio.count,
                               options: request.options, translateTo: request.translateTo))
            payload.append(request.audio)
        }
        let call = EngineRequest(op: "transcribe", id: UUID().uuidString, model: model, items: items)
        return try await batch(model: model, call, payload: payload, alone: alone, as: EngineTranscript.self)
            .mapValues { $0.map(\.itemResult) }
    }

    public func translate(model: String, requests: [TextTranslationRequest]) async throws -> [String: Result<TextTranslationResult, ParleyError>] {
        let items = requests.map { EngineRequest.TextItem(id: $0.id, texts: $0.texts, source: $0.source, target: $0.target) }
        return try await CallContainment.run(items, id: \.id) { items, alone in
            let call = EngineRequest(op: "translate", id: UUID().uuidString, model: model, textItems: items)
            return try await self.batch(model: model, call, alone: alone, as: TextTranslationResult.self)
        }
    }

    /// Runs a batch operation in a free slot of the model (`alone`: with no other call beside
    /// it) and maps per-item outcomes.
    private func batch<Value: Decodable & Sendable>(
        model: String, _ call: EngineRequest, payload: Data = Data(), alone: Bool, as type: Value.Type
    ) async throws -> [String: Result<Value, ParleyError>] {
        guard let pool = pools[model] else { throw ParleyError.engineUnavailable("no engine serves model \(model)") }
        let response = try await pool.withProcess(alone: alone) {
            try await $0.call(call, payload: payload, as: EngineBatchResponse<Value>.self)
        }
        var byId: [String: Result<Value, ParleyError>] = [:]
        for item in response.results ?? [] {
            if let timings = item.timings {
                Metrics.Timer(label: MetricName.itemDuration, dimensions: [("stage", "decode"), ("model", model)])
                    .recordSeconds(timings.decode)
                Metrics.Timer(label: MetricName.itemDuration, dimensions: [("stage", "infer"), ("model", model)])
                    .recordSeconds(timings.infer)
            }
            if item.ok, let result = item.result {
                byId[item.id] = .success(result)
            } else {
                byId[item.id] = .failure(item.error?.parleyError ?? .engineCrashed("the engine gave no result"))
            }
        }
        return byId
    }

    public func capabilities() -> EngineCapabilities {
        var capabilities = EngineCapabilities()
        for model in configuration.models {
            guard let loaded = pools[model.name]?.processes.lazy.compactMap(\.capabilities).first else {
                // Not known while no process of the group has loaded: its answer decides.
                if model.kind == .translation { capabilities.translatesAnyPair = true }
                continue
            }
            switch model.kind {
            case .whisper: capabilities.asrLanguages[model.name] = loaded.languages ?? []
            case .translation:
                capabilities.translationPairs += loaded.pairs ?? []
                capabilities.translatesAnyPair = capabilities.translatesAnyPair || loaded.anyPair == true
            }
        }
        return capabilities
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
