import Foundation
import ArgumentParser
import ParleyEngine
import ParleyServer
import ParleyWorker

/// Options of processes that run a worker and its engines (`serve` and `worker`).
struct WorkerOptions: ParsableArguments {
    @Option(help: "Engine processes per model, each with its own copy of the model (PARLEY_ENGINE_PROCESSES, default 1).")
    var engineProcesses: Int?
    @Option(help: "Calls each engine process runs at once over one copy of the model (PARLEY_ENGINE_PARALLEL, default 2 on 2+ cores).")
    var engineParallel: Int?
    @Option(help: "Inference threads per engine call (PARLEY_ENGINE_THREADS, default: cores / (processes x parallel)).") var engineThreads: Int?
    @Option(help: "auto, cpu or cuda (PARLEY_ENGINE_DEVICE, default auto).") var engineDevice: String?
    @Option(help: "Seconds an engine call may take before the engine is restarted (PARLEY_ENGINE_TIMEOUT, default 600).")
    var engineTimeout: Int?
    @Option(help: "Items claimed per batch (PARLEY_BATCH_SIZE, default 8).") var batchSize: Int?
    @Option(help: "Comma-separated hosts exempt from the audio_url address policy (PARLEY_FETCH_ALLOW_HOSTS).")
    var fetchAllowHosts: String?
    @Option(help: "Comma-separated hosts exempt from the webhook address policy (PARLEY_WEBHOOK_ALLOW_HOSTS).")
    var webhookAllowHosts: String?
    @Option(help: "asr+nmt to English: text (a text model when one serves the pair, else Whisper) or whisper (PARLEY_SPEECH_TO_ENGLISH).")
    var speechToEnglish: String?

    func apply(to configuration: inout ParleyConfiguration) throws {
        configuration.engine.jsonLogs = Environment.jsonLogs
        // Two single-threaded decodes beat one with two threads on 2 cores (bench/asr_throughput.py:
        // 4.55x against 3.82x direct on short clips, 1.67x against 1.28x on long audio); one
        // process runs both over one copy of the model.
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let processes = max(1, engineProcesses ?? Environment.int("PARLEY_ENGINE_PROCESSES") ?? 1)
        let parallel = max(1, engineParallel ?? Environment.int("PARLEY_ENGINE_PARALLEL") ?? (cores >= 2 ? 2 : 1))
        configuration.engine.processesPerModel = processes
        configuration.engine.callsPerProcess = parallel
        configuration.engine.threads = max(1, engineThreads ?? Environment.int("PARLEY_ENGINE_THREADS") ?? cores / (processes * parallel))
        // One batch in flight per call slot, so every slot of a model has work.
        configuration.worker.concurrency = processes * parallel
        if let value = engineDevice ?? Environment.string("PARLEY_ENGINE_DEVICE") { configuration.engine.device = value }
        if let value = engineTimeout ?? Environment.int("PARLEY_ENGINE_TIMEOUT") { configuration.engine.callTimeout = .seconds(max(1, value)) }
        if let value = batchSize ?? Environment.int("PARLEY_BATCH_SIZE") { configuration.worker.batchSize = max(1, value) }
        if let value = Environment.bool("PARLEY_ENGINE_BATCHING") { configuration.engine.batching = value }
        if let value = Environment.bool("PARLEY_ENGINE_WINDOWING") { configuration.engine.windowing = value }
        if let value = Environment.bool("PARLEY_ENGINE_CHUNKING") { configuration.engine.chunking = value }
        if let value = Environment.bool("PARLEY_ENGINE_PACKING") { configuration.engine.packing = value }
        if let hosts = fetchAllowHosts ?? Environment.string("PARLEY_FETCH_ALLOW_HOSTS") {
            configuration.fetchAllowedHosts = Self.hosts(hosts)
        }
        if let hosts = webhookAllowHosts ?? Environment.string("PARLEY_WEBHOOK_ALLOW_HOSTS") {
            configuration.webhookAllowedHosts = Self.hosts(hosts)
        }
        if let value = speechToEnglish ?? Environment.string("PARLEY_SPEECH_TO_ENGLISH") {
            guard let policy = SpeechToEnglish(rawValue: value) else {
                throw ValidationError("speech-to-english must be text or whisper")
            }
            configuration.worker.speechToEnglish = policy
        }
        if let value = Environment.int("PARLEY_WEBHOOK_RETRY_BASE_MS") { configuration.webhookRetryBase = Int64(max(10, value)) }
        if let value = Environment.int("PARLEY_WEBHOOK_TIMEOUT_SECONDS") { configuration.webhookTimeout = .seconds(max(1, value)) }
        if let value = Environment.int("PARLEY_FETCH_TIMEOUT_SECONDS") { configuration.fetchTimeout = .seconds(max(1, value)) }
        if let value = Environment.int("PARLEY_PREFETCH_BATCHES") { configuration.worker.prefetch = max(0, value) }
        if let seconds = Environment.int("PARLEY_SHUTDOWN_GRACE_SECONDS") { configuration.worker.shutdownGrace = .seconds(max(0, seconds)) }
        if let seconds = Environment.int("PARLEY_LEASE_SECONDS") {
            // Heartbeats at a third of the lease, so one late beat never loses it.
            configuration.worker.lease = Int64(max(2, seconds)) * 1_000
            configuration.worker.heartbeatInterval = .milliseconds(configuration.worker.lease / 3)
            configuration.worker.rescueInterval = .milliseconds(configuration.worker.lease / 2)
        }
        switch Environment.string("PARLEY_ENGINE") ?? "sidecar" {
        case "sidecar": break
        case "echo": configuration.echoDelay = .milliseconds(Environment.int("PARLEY_ECHO_DELAY_MS") ?? 0)
        default: throw ValidationError("PARLEY_ENGINE must be sidecar or echo")
        }
    }

    /// Host names from a comma-separated list, lowercased.
    static func hosts(_ list: String) -> Set<String> {
        Set(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
    }
}
