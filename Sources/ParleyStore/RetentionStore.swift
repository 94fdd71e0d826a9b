import ParleyCore

/// A file streamed to `POST /v1/uploads`; it expires at `expiresAt` unless a job names it
/// (then it lives, and is deleted, with that job).
public struct UploadRecord: Sendable, Equatable {
    public var id: String
    public var ownerKeyId: String
    public var blobKey: String
    public var bytes: Int
    public var createdAt: Millis
    public var expiresAt: Millis?
    /// The duration its container gave (`AudioDurationProbe`), reserved by each item naming it.
    public var audioSeconds: Double?

    public init(
        id: String, ownerKeyId: String, blobKey: String, bytes: Int, createdAt: Millis, expiresAt: Millis?, audioSeconds: Double? = nil
    ) {
        self.id = id
        self.ownerKeyId = ownerKeyId
        self.blobKey = blobKey
        self.bytes = bytes
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.audioSeconds = audioSeconds
    }
}

/// A job whose content is due to be purged, leased to one janitor: the blob keys its items
/// name (inline audio and uploads); its results sit under the job's own prefixes.
public struct PurgeTarget: Sendable, Equatable {
    public var jobId: String
    public var inputKeys: [String]

    public init(jobId: String, inputKeys: [String]) {
        self.jobId = jobId
        self.inputKeys = inputKeys
    }
}

/// What the API may do for retention: record each upload, so it expires unless named.
public protocol UploadRecorder: Sendable {
    /// Records an upload just stored.
    func recordUpload(_ upload: UploadRecord) async throws
    /// The probed durations of the uploads stored under `blobKeys` (those that have one).
    func uploadSeconds(blobKeys: [String]) async throws -> [String: Double]
}

/// Retention, for the janitor that any process may run: jobs deleted or past their
/// retention, and uploads no job named, each leased (like a claim) so janitors in several
/// processes share the work and one that dies leaves it to the next.
public protocol RetentionStore: UploadRecorder {
    /// Leases to `owner` until `now + lease` up to `limit` ended jobs that were deleted or
    /// are past their retention, and not purged yet.
    func claimPurges(owner: String, lease: Millis, now: Millis, limit: Int) async throws -> [PurgeTarget]
    /// Once the job's blobs are gone: removes its items, webhook deliveries and named
    /// uploads and empties its options, keeping the job row as a tombstone (audited); false,
    /// changing nothing, when `owner` no longer holds the lease.
    func completePurge(jobId: String, owner: String, now: Millis) async throws -> Bool
    /// Leases to `owner` until `now + lease` up to `limit` uploads past their expiry.
    func claimExpiredUploads(owner: String, lease: Millis, now: Millis, limit: Int) async throws -> [UploadRecord]
    /// Removes an expired upload's row; false when `owner` no longer holds it or a job named
    /// it meanwhile (then its blob stays).
    func removeUpload(id: String, owner: String) async throws -> Bool
}
