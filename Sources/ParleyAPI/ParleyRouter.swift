import HTTPTypes
import Hummingbird
import ParleyAuth
import ParleyBlobs
import ParleyCore
import ParleyEngine
import ParleyLimits
import ParleySigning
import ParleyStore

/// What the HTTP API needs from the rest of Parley.
public struct APIDependencies: Sendable {
    public var store: any MetadataStore & WebhookReader & UploadRecorder
    public var blobs: any BlobStore
    public var limiter: any RateLimiter
    public var keys: KeyService
    public var signal: WorkSignal
    /// The in-process engine, checked by `/v1/ready`; nil in an API-only process.
    public var engine: (any InferenceEngine)?
    /// The model group that serves audio items.
    public var asrModel: String
    /// The model group that serves text items.
    public var translationModel: String
    /// Which model translates speech to English, as the workers are configured.
    public var speechToEnglish: SpeechToEnglish
    public var configuration: APIConfiguration
    /// The `/metrics` route, when metrics are exported.
    public var metrics: MetricsEndpoint?
    /// Where unexpected errors are reported.
    public var reporter: (any ErrorReporter)?
    /// Signs the local blob store's download URLs, served under `/v1/blobs/`; nil where the
    /// blob store presigns its own (S3).
    public var urlSigner: BlobURLSigner?
    /// The server secret behind every key's webhook signing secret.
    public var webhookSigning: WebhookSigningKeys

    public init(
        store: any MetadataStore & WebhookReader & UploadRecorder, blobs: any BlobStore, limiter: any RateLimiter, keys: KeyService, signal: WorkSignal,
        engine: (any InferenceEngine)?, asrModel: String, translationModel: String, speechToEnglish: SpeechToEnglish = .text,
        configuration: APIConfiguration, metrics: MetricsEndpoint? = nil, reporter: (any ErrorReporter)? = nil,
        urlSigner: BlobURLSigner? = nil, webhookSigning: WebhookSigningKeys
    ) {
        self.webhookSigning = webhookSigning
        self.speechToEnglish = speechToEnglish
        self.urlSigner = urlSigner
        self.store = store
        self.blobs = blobs
        self.limiter = limiter
        self.keys = keys
        self.signal = signal
        self.engine = engine
        self.asrModel = asrModel
        self.translationModel = translationModel
        self.configuration = configuration
        self.metrics = metrics
        self.reporter = reporter
    }
}

/// Assembles the router: middleware in order (request id and errors, auth, rate limits), then the routes.
public enum ParleyRouter {
    public static func build(_ dependencies: APIDependencies) -> Router<ParleyContext> {
        let router = Router(context: ParleyContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: RequestIdMiddleware(reporter: dependencies.reporter))
        router.add(middleware: AuthMiddleware(
            keys: dependencies.keys, limiter: dependencies.limiter, verifications: dependencies.configuration.tokenVerifications))
        router.add(middleware: RateLimitMiddleware(
            limiter: dependencies.limiter, readMultiplier: dependencies.configuration.readRateMultiplier))
        router.add(middleware: BodyBudgetMiddleware(
            budget: AdmissionBudget(capacity: dependencies.configuration.inflightBodyBytes), configuration: dependencies.configuration))
        HealthController(store: dependencies.store, engine: dependencies.engine).register(on: router)
        KeysController(keys: dependencies.keys).register(on: router)
        let submitter = JobSubmitter(
            store: dependencies.store, uploads: dependencies.store, blobs: dependencies.blobs, signal: dependencies.signal,
            configuration: dependencies.configuration, asrModel: dependencies.asrModel,
            translationModel: dependencies.translationModel)
        JobsController(store: dependencies.store, blobs: dependencies.blobs, submitter: submitter).register(on: router)
        LanguagesController(engine: dependencies.engine, speechToEnglish: dependencies.speechToEnglish).register(on: router)
        UsageController(store: dependencies.store).register(on: router)
        UploadsController(blobs: dependencies.blobs, uploads: dependencies.store, submitter: submitter).register(on: router)
        WebhooksController(signing: dependencies.webhookSigning).register(on: router)
        DocsController().register(on: router)
        if let signer = dependencies.urlSigner {
            BlobsController(blobs: dependencies.blobs, signer: signer).register(on: router)
        }
        OpenAIAudioController(
            store: dependencies.store, submitter: submitter, renderer: ResultRenderer(blobs: dependencies.blobs),
            slots: AdmissionBudget(capacity: dependencies.configuration.syncConcurrency)
        ).register(on: router)
        if let metrics = dependencies.metrics { MetricsController(endpoint: metrics).register(on: router) }
        return router
    }

    /// A worker's own small HTTP surface, for probes and scrapers: `/v1/health`, `/v1/ready`
    /// (store and engine) and `/metrics`.
    public static func probes(
        store: any MetadataStore, engine: (any InferenceEngine)?, metrics: MetricsEndpoint, reporter: (any ErrorReporter)?
    ) -> Router<ParleyContext> {
        let router = Router(context: ParleyContext.self)
        router.add(middleware: RequestIdMiddleware(reporter: reporter))
        HealthController(store: store, engine: engine).register(on: router)
        MetricsController(endpoint: metrics).register(on: router)
        return router
    }
}
