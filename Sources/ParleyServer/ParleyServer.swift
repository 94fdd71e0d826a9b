import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ParleyAPI
import ParleyAuth
import ParleyBlobs
import ParleyCore
import ParleyEngine
import ParleyLimits
import ParleyStore
import ParleyWorker
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The composition root: one place that turns a configuration into running parts.
public final class ParleyServer: Sendable {
    public let configuration: ParleyConfiguration
    public let store: SQLiteStore
    public let blobs: LocalBlobStore
    public let keys: KeyService
    /// The in-process engine, when this process runs a worker.
    public let engine: SidecarEngine?
    let reporter: SentryReporter?
    let logger: Logger
    private let running = Mutex<ServiceGroup?>(nil)

    init(
        configuration: ParleyConfiguration, store: SQLiteStore, blobs: LocalBlobStore, keys: KeyService,
        engine: SidecarEngine?, reporter: SentryReporter?, logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.blobs = blobs
        self.keys = keys
        self.engine = engine
        self.reporter = reporter
        self.logger = logger
    }

    /// Opens the store (running migrations) and the blob store, and seeds the admin key.
    /// - Returns: the server and, when one was generated, the admin key to print once.
    public static func open(_ configuration: ParleyConfiguration, logger: Logger) async throws -> (ParleyServer, String?) {
        let store = try await SQLiteStore.open(path: configuration.databasePath, logger: logger)
        let keys = KeyService(store: store, defaultRate: configuration.defaultRate)
        let generated = try await keys.bootstrapAdmin(seed: configuration.adminKey)
        let reporter = configuration.sentryDSN.map {
            SentryReporter(dsn: $0, release: configuration.release, environment: configuration.environment, logger: logger)
        }
        let engine = configuration.runWorker
            ? SidecarEngine(configuration: configuration.engine, reporter: reporter, logger: logger) : nil
        let server = ParleyServer(
            configuration: configuration, store: store, blobs: try LocalBlobStore(root: configuration.blobDirectory),
            keys: keys, engine: engine, reporter: reporter, logger: logger)
        return (server, generated)
    }

    /// Serves HTTP (and runs the worker) until SIGTERM/SIGINT or cancellation, then shuts down in order:
    /// the listener first, then the worker (finishing or releasing its batch), then the engines.
    /// - Parameter onListening: called with the bound port once the server accepts connections.
    public func run(
        gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        let httpClient = HTTPClient(
            eventLoopGroupProvider: .singleton,
            configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10))))
        let signal = WorkSignal()
        var services: [any Service] = reporter.map { [$0] } ?? []
        services.append(QueueMetricsSampler(
            store: store, models: configuration.engine.models.map(\.name), interval: .seconds(5), logger: logger))
        if let engine {
            let fetcher = AudioFetcher(
                client: httpClient, maxBytes: configuration.fetchMaxBytes, timeout: configuration.fetchTimeout,
                allowedHosts: configuration.fetchAllowedHosts)
            services.append(engine)
            services.append(WorkerService(
                queue: store, blobs: blobs, engine: engine, loader: InputLoader(blobs: blobs, fetcher: fetcher),
                signal: signal, configuration: configuration.worker, reporter: reporter, logger: logger))
        }
        let router = ParleyRouter.build(APIDependencies(
            store: store, blobs: blobs, limiter: MemoryRateLimiter(), keys: keys, signal: signal, engine: engine,
            asrModel: configuration.asrModel, translationModel: configuration.worker.translationModel,
            configuration: configuration.api,
            metrics: configuration.exportMetrics
                ? MetricsEndpoint(token: configuration.metricsToken, render: { PrometheusExport.render() })
                : nil,
            reporter: reporter))
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "parley"),
            services: services,
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [app], gracefulShutdownSignals: gracefulShutdownSignals, logger: logger))
        running.withLock { $0 = group }
        let outcome = await Result(catching: { try await group.run() })
        running.withLock { $0 = nil }
        try? await httpClient.shutdown()
        try await store.close()
        try outcome.get()
    }

    /// Starts the same graceful shutdown as SIGTERM; `run` returns once it completes.
    public func shutdown() async {
        await running.withLock { $0 }?.triggerGracefulShutdown()
    }
}
