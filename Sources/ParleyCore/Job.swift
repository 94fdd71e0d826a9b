/// Options that apply to every item of a job unless the item overrides them.
public struct JobOptions: Sendable, Codable, Equatable {
    public var defaultSrcLng: String?
    public var defaultTgtLng: String?
    /// Announced when the job ends.
    public var webhook: WebhookTarget?

    public init(defaultSrcLng: String? = nil, defaultTgtLng: String? = nil, webhook: WebhookTarget? = nil) {
        self.defaultSrcLng = defaultSrcLng
        self.defaultTgtLng = defaultTgtLng
        self.webhook = webhook
    }

    enum CodingKeys: String, CodingKey {
        case defaultSrcLng = "default_src_lng"
        case defaultTgtLng = "default_tgt_lng"
        case webhook
    }
}

/// A batch of items submitted together by one API key.
public struct Job: Sendable, Equatable {
    public var id: String
    public var ownerKeyId: String
    public var type: JobType
    public var status: JobStatus
    /// 0–9, higher first.
    public var priority: Int
    public var options: JobOptions
    public var idempotencyKey: String?
    /// SHA-256 of the request body that created the job under `idempotencyKey`.
    public var requestHash: String?
    public var counts: JobCounts
    public var cancelRequested: Bool
    public var createdAt: Millis
    public var updatedAt: Millis
    public var startedAt: Millis?
    public var finishedAt: Millis?
    /// Seconds after its end that the job's content is purged (the job's `delete_after_seconds`
    /// or the server's retention when it was created); nil keeps it.
    public var retentionSeconds: Int?

    public init(
        id: String, ownerKeyId: String, type: JobType, status: JobStatus = .queued, priority: Int,
        options: JobOptions, idempotencyKey: String? = nil, requestHash: String? = nil, counts: JobCounts, cancelRequested: Bool = false,
        createdAt: Millis, updatedAt: Millis, startedAt: Millis? = nil, finishedAt: Millis? = nil, retentionSeconds: Int? = nil
    ) {
        self.retentionSeconds = retentionSeconds
        self.id = id
        self.ownerKeyId = ownerKeyId
        self.type = type
        self.status = status
        self.priority = priority
        self.options = options
        self.idempotencyKey = idempotencyKey
        self.requestHash = requestHash
        self.counts = counts
        self.cancelRequested = cancelRequested
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

extension Job {
    /// The job after item moves `change` its counters at `now`: status re-derived,
    /// `startedAt` set by the first item to start, `finishedAt` by reaching a terminal status.
    public func adjusted(now: Millis, _ change: (inout JobCounts) -> Void) -> Job {
        var job = self
        change(&job.counts)
        job.status = JobStatus.derive(from: job.counts, cancelRequested: cancelRequested)
        job.updatedAt = now
        job.startedAt = startedAt ?? (job.counts.running + job.counts.finished > 0 ? now : nil)
        job.finishedAt = job.status.isTerminal ? (finishedAt ?? now) : nil
        return job
    }
}

extension Job {
    /// The webhook delivery to queue when moving to `next` ends the job, if it has a webhook.
    public func webhookDelivery(endingIn next: Job, id: String) -> WebhookDelivery? {
        guard let webhook = options.webhook, next.status.isTerminal, !status.isTerminal else { return nil }
        return WebhookDelivery(
            id: id, jobId: self.id, ownerKeyId: ownerKeyId, url: webhook.url, nextAttemptAt: next.updatedAt, createdAt: next.updatedAt)
    }

    /// How long an `Idempotency-Key` names its job.
    public static let idempotencyWindow: Millis = 24 * 3_600 * 1_000
}
