import ArgumentParser
import Foundation
import Logging
import ParleyCore
import ParleyServer
import ParleyWorker

/// `parley serve`: the HTTP API with an in-process worker, on the embedded store by default.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the HTTP API and a worker.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Address to listen on (PARLEY_HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (PARLEY_PORT, default 8080).") var port: Int?
    @Flag(help: "Serve the API only, without a worker (PARLEY_NO_WORKER).") var noWorker = false
    @Option(help: "Engine processes per model: the per-model concurrency limit (PARLEY_ENGINE_PROCESSES, default 1).")
    var engineProcesses: Int?
    @Option(help: "Inference threads per engine process (PARLEY_ENGINE_THREADS, default: all cores).") var engineThreads: Int?
    @Option(help: "auto, cpu or cuda (PARLEY_ENGINE_DEVICE, default auto).") var engineDevice: String?
    @Option(help: "Seconds an engine call may take before the engine is restarted (PARLEY_ENGINE_TIMEOUT, default 600).")
    var engineTimeout: Int?
    @Option(help: "Items claimed per batch (PARLEY_BATCH_SIZE, default 8).") var batchSize: Int?
    @Option(help: "Comma-separated hosts exempt from the audio_url address policy (PARLEY_FETCH_ALLOW_HOSTS).")
    var fetchAllowHosts: String?
    @Option(help: "asr+nmt to English: text (a text model when one serves the pair, else Whisper) or whisper (PARLEY_SPEECH_TO_ENGLISH).")
    var speechToEnglish: String?

    func run() async throws {
        let logger = Environment.bootstrapLogging()
        _ = PrometheusExport.registry
        var configuration = try common.configuration()
        configuration.exportMetrics = true
        configuration.engine.jsonLogs = Environment.jsonLogs
        configuration.metricsToken = Environment.string("PARLEY_METRICS_TOKEN")
        if let dsn = Environment.string("PARLEY_SENTRY_DSN") {
            guard let parsed = SentryDSN(dsn) else { throw ValidationError("PARLEY_SENTRY_DSN is not a DSN (https://key@host/project)") }
            configuration.sentryDSN = parsed
        }
        configuration.environment = Environment.string("PARLEY_ENVIRONMENT") ?? configuration.environment
        configuration.host = host ?? Environment.string("PARLEY_HOST") ?? configuration.host
        configuration.port = port ?? Environment.int("PARLEY_PORT") ?? configuration.port
        configuration.runWorker = !(noWorker || Environment.bool("PARLEY_NO_WORKER") == true)
        configuration.adminKey = Environment.string("PARLEY_ADMIN_KEY")
        if let value = engineProcesses ?? Environment.int("PARLEY_ENGINE_PROCESSES") { configuration.engine.processesPerModel = max(1, value) }
        if let value = engineThreads ?? Environment.int("PARLEY_ENGINE_THREADS") { configuration.engine.threads = max(1, value) }
        if let value = engineDevice ?? Environment.string("PARLEY_ENGINE_DEVICE") { configuration.engine.device = value }
        if let value = engineTimeout ?? Environment.int("PARLEY_ENGINE_TIMEOUT") { configuration.engine.callTimeout = .seconds(max(1, value)) }
        if let value = batchSize ?? Environment.int("PARLEY_BATCH_SIZE") { configuration.worker.batchSize = max(1, value) }
        if let value = Environment.bool("PARLEY_ENGINE_BATCHING") { configuration.engine.batching = value }
        if let hosts = fetchAllowHosts ?? Environment.string("PARLEY_FETCH_ALLOW_HOSTS") {
            configuration.fetchAllowedHosts = Set(hosts.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
        }
        if let value = speechToEnglish ?? Environment.string("PARLEY_SPEECH_TO_ENGLISH") {
            guard let policy = SpeechToEnglish(rawValue: value) else {
                throw ValidationError("speech-to-english must be text or whisper")
            }
            configuration.worker.speechToEnglish = policy
        }
        if let value = Environment.int("PARLEY_MAX_BODY_BYTES") { configuration.api.maxBodyBytes = max(1_024, value) }
        if let value = Environment.int("PARLEY_MAX_ITEMS") { configuration.api.maxItems = max(1, value) }
        if let value = Environment.int("PARLEY_MAX_ITEM_BYTES") { configuration.api.maxItemBytes = max(1_024, value) }
        if let value = Environment.int("PARLEY_MAX_ATTEMPTS") { configuration.api.maxAttempts = max(1, value) }
        if let seed = configuration.adminKey, seed.count < 32 {
            throw ValidationError("PARLEY_ADMIN_KEY must be at least 32 characters")
        }
        let (server, generatedKey) = try await ParleyServer.open(configuration, logger: logger)
        if let generatedKey {
            print("Created the first admin API key; it is shown only this once:\n  \(generatedKey)")
        }
        let host = configuration.host
        try await server.run { port in
            logger.info("listening", metadata: ["address": "http://\(host):\(port)"])
        }
    }
}
