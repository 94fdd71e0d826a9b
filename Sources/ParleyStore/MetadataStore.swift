import ParleyCore

/// Where the listing of a key's jobs continues: the last job seen.
public struct JobCursor: Sendable, Equatable {
    public var createdAt: Millis
    public var id: String

    public init(createdAt: Millis, id: String) {
        self.createdAt = createdAt
        self.id = id
    }
}

/// How many items of one model are in one open status.
public struct QueueDepth: Sendable, Equatable {
    public var model: String
    public var status: ItemStatus
    public var count: Int

    public init(model: String, status: ItemStatus, count: Int) {
        self.model = model
        self.status = status
        self.count = count
    }
}

/// Jobs, items, API keys and the audit log.
///
/// Every method that changes several rows does so in one transaction.
public protocol MetadataStore: Sendable {
    /// Stores a job and all its items, and audits it, in one transaction, and returns it.
    /// When the key already has a job under `job.idempotencyKey` from the last 24 hours,
    /// nothing is stored and that job is returned instead. The items' `quotaReserved` is
    /// reserved on the job's quota day in the same transaction; when that would pass one of
    /// `quotas`, nothing is stored and it throws 429 `quota_exceeded`.
    func createJob(_ job: Job, items: [JobItem], quotas: Quotas, audit: AuditEntry) async throws -> Job
    /// The job, if it exists and belongs to `ownerKeyId`.
    func job(id: String, ownerKeyId: String) async throws -> Job?
    /// A job's items in submission order.
    func items(jobId: String) async throws -> [JobItem]
    /// One item by the id the client gave it.
    func item(jobId: String, clientId: String) async throws -> JobItem?
    /// The key's jobs, newest first, after `cursor`.
    func listJobs(ownerKeyId: String, after cursor: JobCursor?, limit: Int) async throws -> [Job]
    /// Cancels the job's queued items at once and marks the job so running items are dropped.
    /// Returns the updated job, or nil when it does not exist for this owner.
    func cancelJob(id: String, ownerKeyId: String, audit: AuditEntry) async throws -> Job?
    /// Cancels the job as `cancelJob` does and marks it deleted: no route shows it again, and
    /// the janitor purges its content once nothing of it runs. Nil when it does not exist for
    /// this owner (or is already deleted).
    func deleteJob(id: String, ownerKeyId: String, audit: AuditEntry) async throws -> Job?

    func createKey(_ key: APIKeyRecord, audit: AuditEntry) async throws
    func key(prefix: String) async throws -> APIKeyRecord?
    func listKeys() async throws -> [APIKeyRecord]
    /// Revokes a key by id or prefix; false when no such live key exists.
    func revokeKey(_ idOrPrefix: String, audit: AuditEntry) async throws -> Bool
    func countKeys() async throws -> Int
    /// What the key's jobs accepted on `day` (`YYYY-MM-DD`, UTC) were charged and still hold reserved.
    func usage(keyId: String, day: String) async throws -> Usage
    func auditLog(limit: Int) async throws -> [AuditEntry]
    /// Items queued or running, per model and status.
    func queueDepth() async throws -> [QueueDepth]
    /// Fails when the store cannot answer.
    func ping() async throws
    /// Announces, in this process, each job's end (whichever process ended it).
    var jobEnds: JobEndSignal { get }
}

extension MetadataStore {
    /// Stores a job of a key with no quotas.
    public func createJob(_ job: Job, items: [JobItem], audit: AuditEntry) async throws -> Job {
        try await createJob(job, items: items, quotas: Quotas(), audit: audit)
    }
}
