import ParleyCore
import ParleyEngine

/// How a worker claims and processes items.
public struct WorkerConfiguration: Sendable {
    /// The lease owner name; unique per worker process.
    public var id: String
    /// Items claimed at once for one model, run by the engine as a batch.
    public var batchSize: Int
    /// Batches on the engine at once; the engine's per-model limit still applies.
    public var concurrency: Int
    /// Batches beyond `concurrency` that may be claimed and load their inputs while others run
    /// on the engine: a batch waiting for slow URLs holds one of these, never an engine slot,
    /// and ready work claimed behind it still reaches the engine.
    public var prefetch: Int
    /// How long an idle worker waits before polling again, when nothing wakes it.
    public var pollInterval: Duration
    /// How long a claim holds an item without a heartbeat.
    public var lease: Millis
    /// How often a worker extends the leases it holds.
    public var heartbeatInterval: Duration
    /// How often a worker returns expired leases to the queue.
    public var rescueInterval: Duration
    public var retry: RetryPolicy
    /// How long an in-flight batch may run on after shutdown begins before its items are released.
    public var shutdownGrace: Duration
    /// The model group that translates text (`nmt` items and `asr+nmt` transcripts).
    public var translationModel: String
    public var speechToEnglish: SpeechToEnglish

    public init(
        id: String = Identifier.make("wrk", length: 10), batchSize: Int = 8, concurrency: Int = 1, prefetch: Int = 2,
        pollInterval: Duration = .seconds(1), lease: Millis = 60_000, heartbeatInterval: Duration = .seconds(10),
        rescueInterval: Duration = .seconds(5), retry: RetryPolicy = RetryPolicy(),
        shutdownGrace: Duration = .seconds(30), translationModel: String = ModelGroup.translation,
        speechToEnglish: SpeechToEnglish = .text
    ) {
        self.id = id
        self.batchSize = max(1, batchSize)
        self.concurrency = max(1, concurrency)
        self.prefetch = max(0, prefetch)
        self.pollInterval = pollInterval
        self.lease = lease
        self.heartbeatInterval = heartbeatInterval
        self.rescueInterval = rescueInterval
        self.retry = retry
        self.shutdownGrace = shutdownGrace
        self.translationModel = translationModel
        self.speechToEnglish = speechToEnglish
    }
}
