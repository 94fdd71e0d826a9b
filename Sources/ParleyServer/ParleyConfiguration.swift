import Foundation
import ParleyAPI
import ParleyBlobs
import ParleyAuth
import ParleyCore
import ParleyEngine
import ParleyLimits
import ParleyStore
import ParleyWorker

/// Everything `parley serve` needs, with the embedded defaults.
///
/// The executable fills it from flags and `PARLEY_*` variables; tests build it directly.
public struct ParleyConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0 picks a free port (tests).
    public var port = 8080
    /// Holds `parley.sqlite` and `blobs/`.
    public var dataDirectory = "./data"
    /// An operator-chosen admin key (at least 32 characters) to seed an empty store with.
    public var adminKey: String?
    /// Whether this process also runs a worker and its engines.
    public var runWorker = true
    /// Whether this process serves the HTTP API (`parley worker` does not).
    public var runAPI = true
    /// The shared Postgres store (`PARLEY_DATABASE_URL`); nil keeps the embedded SQLite file.
    public var database: PostgresSettings?
    /// Whether to apply pending Postgres migrations at start; SQLite always migrates itself.
    public var migrate = false
    /// Where blobs live (`PARLEY_BLOB_URL=file:///path`); nil keeps `<data dir>/blobs`.
    public var blobRoot: URL?
    /// An S3-compatible bucket for blobs (`PARLEY_BLOB_URL=s3://bucket?endpoint=…`); it wins over `blobRoot`.
    public var s3: S3Settings?
    /// Runs the stand-in echo engine with this delay per item instead of the model sidecar
    /// (`PARLEY_ENGINE=echo`, for queue tests and benchmarks only).
    public var echoDelay: Duration?
    /// The model group name for Whisper.
    public var asrModel = ModelGroup.asr
    public var engine: SidecarConfiguration
    public var worker = WorkerConfiguration()
    public var api = APIConfiguration()
    /// The shared rate limiter (`PARLEY_REDIS_URL`); nil keeps buckets in this process's memory.
    public var redis: RedisSettings?
    /// What the API does while Redis is unreachable (`PARLEY_RATE_LIMIT_FAILURE_MODE`).
    public var rateLimitFailureMode = RateLimitFailureMode.open
    /// Rate settings for keys created without their own.
    public var defaultRate = RateSettings(perMinute: 600, burst: 100)
    /// Largest audio the worker fetches from an `audio_url`.
    public var fetchMaxBytes = 200 * 1024 * 1024
    /// How long one `audio_url` fetch may take in all: every redirect, the headers and the whole body.
    public var fetchTimeout: Duration = .seconds(120)
    /// Hosts exempt from the fetch address policy.
    public var fetchAllowedHosts: Set<String> = []
    /// Hosts exempt from the webhook address policy: a list of its own, so an internal host
    /// that audio may come from is not also a target a tenant can aim a webhook at.
    public var webhookAllowedHosts: Set<String> = []
    /// Bearer JWTs accepted beside API keys; nil accepts API keys only.
    public var jwt: JWTSettings?
    /// Signs the local blob store's time-limited URLs; nil keeps one in `<data dir>/url-signing.key`.
    public var urlSigningSecret: Data?
    /// The server secret webhook signing secrets derive from (`PARLEY_WEBHOOK_SECRET`); nil
    /// makes or reads `<data dir>/webhook-signing.key`.
    public var webhookSecret: Data?
    /// The previous server secret while rotating (`PARLEY_WEBHOOK_SECRET_PREVIOUS`).
    public var previousWebhookSecret: Data?
    /// The first webhook retry waits this long, each next one twice as long (up to an hour).
    public var webhookRetryBase: Millis = 5_000
    /// How long one webhook POST may take, reading the answer included.
    public var webhookTimeout: Duration = .seconds(10)
    /// Whether `GET /metrics` serves the Prometheus registry (call `PrometheusExport.registry` first).
    public var exportMetrics = false
    /// Where `parley worker` serves `/metrics` and health probes; nil serves nothing.
    public var workerMetricsPort: Int?
    /// A bearer token `GET /metrics` requires; nil leaves it open.
    public var metricsToken: String?
    /// Where unexpected errors are reported (`PARLEY_SENTRY_DSN`); nil reports nowhere.
    public var sentryDSN: SentryDSN?
    /// The `environment` and `release` of error reports.
    public var environment = "production"
    public var release = "parley@0.1.0"
    /// When set, the process shuts down as on SIGTERM once its parent is no longer this pid
    /// (`PARLEY_EXIT_WITH_PARENT`), so a supervisor that dies leaves no process behind.
    public var exitWithParent: Int32?
    /// How often the janitor looks for jobs and uploads to purge (`PARLEY_JANITOR_INTERVAL_SECONDS`).
    public var janitorInterval: Duration = .seconds(60)

    public init(engine: SidecarConfiguration) {
        self.engine = engine
    }

    public var databasePath: String { URL(fileURLWithPath: dataDirectory).appendingPathComponent("parley.sqlite").path }
    public var blobDirectory: URL { blobRoot ?? URL(fileURLWithPath: dataDirectory).appendingPathComponent("blobs") }
}

/// Finds the engine and the model that `scripts/setup.sh` installed.
public enum EngineLocator {
    /// The first directory, walking up from each start, that holds `engine/parley_engine`.
    public static func repositoryRoot(from starts: [URL]) -> URL? {
        for start in starts {
            var directory = start.standardizedFileURL
            for _ in 0..<8 {
                let marker = directory.appendingPathComponent("engine/parley_engine/__init__.py").path
                if FileManager.default.fileExists(atPath: marker) { return directory }
                let parent = directory.deletingLastPathComponent()
                if parent.path == directory.path { break }
                directory = parent
            }
        }
        return nil
    }

    /// Engine settings rooted at `root`: its venv's Python, `engine/`, Whisper base from
    /// `models/whisper-base`, and the translation models of the default registry (Bergamot en<->pt).
    public static func sidecar(root: URL, modelName: String = ModelGroup.asr, translationModel: String = ModelGroup.translation) -> SidecarConfiguration {
        SidecarConfiguration(
            python: root.appendingPathComponent("engine/.venv/bin/python").path,
            engineDirectory: root.appendingPathComponent("engine").path,
            models: [
                ModelSpec(name: modelName, path: root.appendingPathComponent("models/whisper-base").path),
                ModelSpec(name: translationModel, path: "", kind: .translation),
            ])
    }
}
