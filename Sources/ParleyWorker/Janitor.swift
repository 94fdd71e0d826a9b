import Logging
import ParleyBlobs
import ParleyCore
import ParleyStore
import ServiceLifecycle

/// Purges what Parley must not keep, in every process that runs one: jobs deleted by their
/// owner or past their retention (their blobs, then their rows, leaving a tombstone) and
/// uploads no job named before they expired. Work is leased from the store in bounded
/// batches, so janitors in several processes share it and one that dies leaves it to the next.
public struct Janitor: Service {
    let store: any RetentionStore
    let blobs: any BlobStore
    let owner: String
    let interval: Duration
    let logger: Logger
    /// Jobs or uploads leased at once.
    let batch = 50
    /// How long a lease holds before another janitor may take the work over.
    let lease: Millis = 300_000

    public init(store: any RetentionStore, blobs: any BlobStore, owner: String, interval: Duration, logger: Logger) {
        self.store = store
        self.blobs = blobs
        self.owner = owner
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let swept = try await sweep(now: .now())
                    if swept.jobs + swept.uploads > 0 {
                        logger.info("purged", metadata: ["jobs": "\(swept.jobs)", "uploads": "\(swept.uploads)"])
                    }
                } catch {
                    logger.warning("purging failed; trying again later", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }

    /// Purges every job and upload due at `now`, batch by batch; returns how many of each.
    /// A job whose blobs cannot be deleted keeps its lease until it expires, then is tried again.
    public func sweep(now: Millis) async throws -> (jobs: Int, uploads: Int) {
        var jobs = 0
        while !Task.isCancelled {
            let targets = try await store.claimPurges(owner: owner, lease: lease, now: now, limit: batch)
            for target in targets {
                _ = try await blobs.deleteJobContent(jobId: target.jobId, inputKeys: target.inputKeys)
                if try await store.completePurge(jobId: target.jobId, owner: owner, now: now) { jobs += 1 }
            }
            if targets.count < batch { break }
        }
        var uploads = 0
        while !Task.isCancelled {
            let expired = try await store.claimExpiredUploads(owner: owner, lease: lease, now: now, limit: batch)
            for upload in expired where try await store.removeUpload(id: upload.id, owner: owner) {
                try await blobs.delete(upload.blobKey)
                uploads += 1
            }
            if expired.count < batch { break }
        }
        return (jobs, uploads)
    }
}
