import ParleyCore

/// Request limits and defaults of the HTTP API.
public struct APIConfiguration: Sendable {
    /// Largest request body, in bytes (base64 audio included).
    public var maxBodyBytes: Int
    /// Most items in one job.
    public var maxItems: Int
    /// Largest decoded audio of one item, in bytes.
    public var maxItemBytes: Int
    /// Largest file streamed to `POST /v1/uploads`, in bytes.
    public var maxUploadBytes: Int
    /// Longest text of one `nmt` item, in characters.
    public var maxTextCharacters: Int
    /// Attempts each item gets.
    public var maxAttempts: Int
    /// Read routes get this many times a key's request rate.
    public var readRateMultiplier: Int
    /// How long `POST /v1/audio/*` waits for its item before cancelling it with 504.
    public var syncTimeout: Duration = .seconds(600)
    /// Seconds after its end that a job's content is purged, unless the job sets
    /// `delete_after_seconds` (`PARLEY_RETENTION_HOURS`, default 30 days); nil keeps it.
    public var retentionSeconds: Int? = 30 * 24 * 3_600
    /// How long an upload that no job names is kept (`PARLEY_UPLOAD_TTL_HOURS`, default 24 h).
    public var uploadLifetime: Millis = 24 * 3_600 * 1_000
    /// Uploads and jobs with inline audio are refused with 507 while the blob volume has less
    /// free than this (`PARLEY_MIN_FREE_BYTES`, default 1 GiB); 0 turns the guard off.
    public var minFreeBytes = 1_073_741_824
    /// Synchronous requests (`POST /v1/audio/*`) one API process runs at once
    /// (`PARLEY_SYNC_CONCURRENCY`, default 4); more get 503 `server_busy`. Synchronous items
    /// outrank batch work, but a worker's batch (8 items) then still holds at least
    /// `batchSize - syncConcurrency` batch items whenever batch work waits.
    public var syncConcurrency = 4
    /// Request bodies the API reads whole may hold this many bytes at once
    /// (`PARLEY_INFLIGHT_BODY_BYTES`, default 256 MiB); beyond it, 503 `server_busy`.
    public var inflightBodyBytes = 256 * 1024 * 1024
    /// Connections served at once (`PARLEY_MAX_CONNECTIONS`); more wait to be accepted.
    public var maxConnections = 1_000
    /// A connection that sends nothing (between requests, or in the middle of one) for this
    /// long is closed (`PARLEY_IDLE_TIMEOUT_SECONDS`).
    public var idleTimeout: Duration = .seconds(60)
    /// Bearer-token verifications one client address may ask for, before any key is known.
    public var tokenVerifications = RateSettings(perMinute: 600, burst: 120)

    public init(
        maxBodyBytes: Int = 100 * 1024 * 1024, maxItems: Int = 5_000, maxItemBytes: Int = 50 * 1024 * 1024,
        maxUploadBytes: Int = 2 * 1024 * 1024 * 1024,
        maxTextCharacters: Int = 20_000, maxAttempts: Int = 5, readRateMultiplier: Int = 10
    ) {
        self.maxBodyBytes = maxBodyBytes
        self.maxItems = maxItems
        self.maxItemBytes = maxItemBytes
        self.maxUploadBytes = maxUploadBytes
        self.maxTextCharacters = maxTextCharacters
        self.maxAttempts = maxAttempts
        self.readRateMultiplier = readRateMultiplier
    }
}
