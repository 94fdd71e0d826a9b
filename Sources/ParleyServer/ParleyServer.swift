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
import ParleySigning
import ParleyStore
import ParleyWorker
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The composition root: one place that turns a configuration into running parts.
///
/// It runs the API with an in-process worker (`parley serve`), the API alone
/// (`serve --no-worker`), or a worker alone (`parley worker`).
public final class ParleyServer: Sendable {
    public let configuration: ParleyConfiguration
    public let backend: StoreBackend
    public let blobs: any BlobStore
    /// Signs and checks the local blob store's download URLs; nil where S3 presigns its own.
    let urlSigner: BlobURLSigner?
    /// The server secret behind every key's webhook signing secret.
    let webhookSigning: WebhookSigningKeys
    public let keys: KeyService
    /// The model sidecar, when this process runs a worker on the real engine.
    public let engine: SidecarEngine?
    /// The engine the worker runs: the sidecar, or the echo stand-in.
    let inference: (any InferenceEngine)?
    let signal = WorkSignal()
    let reporter: SentryReporter?
    let logger: Logger
    private let running = Mutex<ServiceGroup?>(nil)

    public var store: any ParleyDataStore { backend.store }

    init(
        configuration: ParleyConfiguration, backend: StoreBackend, blobs: any BlobStore, urlSigner: BlobURLSigner?,
        webhookSigning: WebhookSigningKeys, keys: KeyService, engine: SidecarEngine?, inference: (any InferenceEngine)?, reporter: SentryReporter?, logger: Logger
    ) {
        self.configuration = configuration
        self.backend = backend
        self.blobs = blobs
        self.urlSigner = urlSigner
        self.webhookSigning = webhookSigning
        self.keys = keys
        self.engine = engine
        self.inference = inference
        self.reporter = reporter
        self.logger = logger
    }

    /// Opens the store (migrating as configured) and the blob store.
    public static func open(_ configuration: ParleyConfiguration, logger: Logger) async throws -> ParleyServer {
        let backend = try await StoreBackend.open(configuration, migrate: configuration.migrate, logger: logger)
        do {
            return try await open(configuration, backend: backend, logger: logger)
        } catch {
            try? await backend.close()
            throw error
        }
    }

    private static func open(_ configuration: ParleyConfiguration, backend: StoreBackend, logger: Logger) async throws -> ParleyServer {
        var jwt: JWTAuthenticator?
        if let settings = configuration.jwt { jwt = try await JWTAuthenticator(settings: settings) }
        let keys = KeyService(store: backend.store, defaultRate: configuration.defaultRate, jwt: jwt)
        let reporter = configuration.sentryDSN.map {
            SentryReporter(dsn: $0, release: configuration.release, environment: configuration.environment, logger: logger)
        }
        var engine: SidecarEngine?
        var inference: (any InferenceEngine)?
        if configuration.runWorker {
            if let delay = configuration.echoDelay {
                inference = EchoEngine(models: configuration.engine.models, delay: delay)
            } else {
                let sidecar = SidecarEngine(configuration: configuration.engine, reporter: reporter, logger: logger)
                engine = sidecar
                inference = sidecar
            }
        }
        let blobs: any BlobStore
        var urlSigner: BlobURLSigner?
        if let s3 = configuration.s3 {
            let store = S3BlobStore(settings: s3)
            try await store.createBucketIfNeeded()  // fails fast on a wrong endpoint or secret
            blobs = store
        } else {
            let secret = try configuration.urlSigningSecret
                ?? SecretFile.load(URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent("url-signing.key"))
            let signer = BlobURLSigner(secret: secret)
            blobs = try LocalBlobStore(root: configuration.blobDirectory, signer: signer)
            urlSigner = signer
        }
        let webhookSecret = try configuration.webhookSecret
            ?? SecretFile.load(URL(fileURLWithPath: configuration.dataDirectory).appendingPathComponent("webhook-signing.key"))
        let server = ParleyServer(
            configuration: configuration, backend: backend, blobs: blobs, urlSigner: urlSigner,
            webhookSigning: WebhookSigningKeys(current: webhookSecret, previous: configuration.previousWebhookSecret),
            keys: keys, engine: engine, inference: inference, reporter: reporter, logger: logger)
        return server
    }

    /// Runs until SIGTERM/SIGINT or cancellation, then shuts down in order: the listener first,
    /// then the worker (finishing or releasing its batch), then the engines, then the store.
    /// Before the API listens, an empty store gets its admin key (`adminKey`, or a generated one).
    /// - Parameters:
    ///   - onAdminKey: called with a generated admin key, to show once.
    ///   - onListening: called with the bound port once the server accepts connections.
    public func run(
        gracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint],
        onAdminKey: @escaping @Sendable (String) async -> Void = { _ in },
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        var services = backend.services(signal: signal, logger: logger)
        if let reporter { services.append(reporter) }
        services.append(Janitor(
            store: store, blobs: blobs, owner: configuration.worker.id, interval: configuration.janitorInterval, logger: logger))
        if let parent = configuration.exitWithParent {
            services.append(ParentWatch(parent: parent, interval: .milliseconds(500), logger: logger))
        }
        services.append(QueueMetricsSampler(
            store: store, models: configuration.engine.models.map(\.name), interval: .seconds(5), logger: logger))
        if let engine { services.append(engine) }
        if let inference {
            let fetcher = AudioFetcher(
                maxBytes: configuration.fetchMaxBytes, timeout: configuration.fetchTimeout,
                allowedHosts: configuration.fetchAllowedHosts)
            services.append(WorkerService(
                queue: store, blobs: blobs, engine: inference, loader: InputLoader(blobs: blobs, fetcher: fetcher),
                signal: signal, configuration: configuration.worker, reporter: reporter, logger: logger))
            var webhooks = WebhookConfiguration(owner: configuration.worker.id, signing: webhookSigning)
            webhooks.baseDelay = configuration.webhookRetryBase
            webhooks.timeout = configuration.webhookTimeout
            webhooks.allowedHosts = configuration.webhookAllowedHosts
            services.append(WebhookService(store: store, configuration: webhooks, logger: logger))
        }
        if configuration.runAPI {
            services = [application(services: services, onAdminKey: onAdminKey, onListening: onListening)]
        } else if let port = configuration.workerMetricsPort {
            let router = ParleyRouter.probes(store: store, engine: inference, metrics: metricsEndpoint, reporter: reporter)
            services = [Application(
                router: router, configuration: .init(address: .hostname(configuration.host, port: port), serverName: "parley-worker"),
                services: services, onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
                logger: logger)]
        }
        let group = ServiceGroup(configuration: .init(
            services: services, gracefulShutdownSignals: gracefulShutdownSignals, logger: logger))
        running.withLock { $0 = group }
        let outcome = await Result(catching: { try await group.run() })
        running.withLock { $0 = nil }
        try await backend.close()
        try outcome.get()
    }

    /// Starts the same graceful shutdown as SIGTERM; `run` returns once it completes.
    public func shutdown() async {
        await running.withLock { $0 }?.triggerGracefulShutdown()
    }

    private var metricsEndpoint: MetricsEndpoint {
        MetricsEndpoint(token: configuration.metricsToken, render: { PrometheusExport.render() })
    }

    private func application(
        services: [any Service], onAdminKey: @escaping @Sendable (String) async -> Void,
        onListening: @escaping @Sendable (Int) async -> Void
    ) -> some Service {
        let limiter: any RateLimiter = configuration.redis.map {
            RedisRateLimiter(client: RedisClient(settings: $0, logger: logger), failureMode: configuration.rateLimitFailureMode, logger: logger)
        } ?? MemoryRateLimiter()
        let router = ParleyRouter.build(APIDependencies(
            store: store, blobs: blobs, limiter: limiter, keys: keys, signal: signal, engine: inference,
            asrModel: configuration.asrModel, translationModel: configuration.worker.translationModel,
            speechToEnglish: configuration.worker.speechToEnglish,
            configuration: configuration.api,
            metrics: configuration.exportMetrics ? metricsEndpoint : nil,
            reporter: reporter, urlSigner: urlSigner, webhookSigning: webhookSigning))
        let idle = configuration.api.idleTimeout.components
        var app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(idle.seconds) + .nanoseconds(idle.attoseconds / 1_000_000_000))),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "parley",
                availableConnectionsDelegate: .maximum(configuration.api.maxConnections, logger: logger)),
            services: services,
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        // The store's services run by now, so a shared Postgres pool can answer.
        let (keys, seed) = (keys, configuration.adminKey)
        app.beforeServerStarts {
            if let generated = try await keys.bootstrapAdmin(seed: seed) { await onAdminKey(generated) }
        }
        return app
    }
}
