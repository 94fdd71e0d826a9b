import Foundation
import ParleyCore

/// What signing and sending a delivery needs beside the delivery itself.
public struct WebhookContext: Sendable {
    /// The job as it ended.
    public var job: Job
    /// The owning key's stored hash, from which its webhook signing secret derives.
    public var keyHash: String

    public init(job: Job, keyHash: String) {
        self.job = job
        self.keyHash = keyHash
    }
}

/// What the API may read of webhook deliveries: a job's, to show on the job.
public protocol WebhookReader: Sendable {
    /// A job's deliveries, oldest first.
    func webhookDeliveries(jobId: String) async throws -> [WebhookDelivery]
}

/// The durable queue of webhook deliveries, for the worker's sender. A delivery is queued in
/// the transaction that ends its job, so a crash between the job ending and the POST loses nothing.
public protocol WebhookStore: WebhookReader {
    /// Leases up to `limit` due pending deliveries to `owner` until `now + lease`; a delivery
    /// whose lease expired (its sender died) is due again. Safe from many processes at once.
    func claimWebhooks(limit: Int, owner: String, lease: Millis, now: Millis) async throws -> [WebhookDelivery]
    /// The job and key a delivery announces, or nil when either is gone or the key was revoked.
    func webhookContext(_ delivery: WebhookDelivery) async throws -> WebhookContext?
    /// Stores a delivery after an attempt and ends the lease; false, changing nothing, when
    /// `owner` no longer holds it.
    func recordWebhook(_ delivery: WebhookDelivery, owner: String) async throws -> Bool
}

extension WebhookDelivery {
    /// The attempt log as stored: a JSON array.
    var attemptsJSON: String {
        String(decoding: (try? JSONEncoder().encode(attempts)) ?? Data("[]".utf8), as: UTF8.self)
    }
}

/// Everything a store implements: metadata, the item queue, the webhook queue and retention.
public typealias ParleyDataStore = MetadataStore & QueueStore & WebhookStore & RetentionStore
