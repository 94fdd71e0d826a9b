import Foundation
import Testing
@testable import ParleyCore
@testable import ParleyStore

/// The webhook queue and idempotent job creation, on both stores.
@Suite(.timeLimit(.minutes(5))) struct WebhookStoreTests {
    static let hooked = JobOptions(webhook: WebhookTarget(url: "https://example.com/hook", authHeaderName: "X-Token", authHeaderValue: "t0k"))

    @Test(arguments: StoreKind.allCases)
    func aDeliveryIsQueuedWhenTheJobEndsAndLeasedToOneSenderAtATime(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await store.createKey(
                APIKeyRecord(id: "key_a", prefix: "pa", secretHash: "hash-a", owner: "a", scopes: [.jobsRead],
                             rate: RateSettings(perMinute: 60, burst: 10), createdAt: 1_000),
                audit: AuditEntry(keyId: nil, action: "key.create", target: "key_a"))
            let (job, _) = try await seedJob(store, count: 2, options: Self.hooked)
            let (plain, _) = try await seedJob(store, count: 1, at: 1_001)
            let claimed = try await store.claim(model: "m", limit: 3, owner: "w", lease: 60_000, now: 2_000)
            #expect(claimed.count == 3)
            #expect(try await store.finish(itemId: claimed[0].id, owner: "w", outcome: success(), now: 2_100))
            #expect(try await store.webhookDeliveries(jobId: job.id).isEmpty, "nothing is announced before the job ends")
            for item in claimed.dropFirst() {
                #expect(try await store.finish(itemId: item.id, owner: "w", outcome: .failed(.invalidAudio("x")), now: 2_200))
            }
            #expect(try await store.webhookDeliveries(jobId: plain.id).isEmpty, "a job without a webhook queues none")
            let queued = try await store.webhookDeliveries(jobId: job.id)
            #expect(queued.count == 1 && queued[0].status == .pending && queued[0].nextAttemptAt == 2_200)

            let first = try await store.claimWebhooks(limit: 10, owner: "s1", lease: 10_000, now: 2_300)
            #expect(first.map(\.id) == queued.map(\.id))
            #expect(try await store.claimWebhooks(limit: 10, owner: "s2", lease: 10_000, now: 2_400).isEmpty, "leased to s1")
            let context = try #require(try await store.webhookContext(first[0]))
            #expect(context.job.status == .completedWithErrors && context.keyHash == "hash-a")

            let retried = first[0].after(WebhookAttempt(at: 2_500, statusCode: 500), maxAttempts: 10, baseDelay: 1_000, maxDelay: 60_000)
            #expect(try await store.recordWebhook(retried, owner: "s2") == false, "only the lease holder records")
            #expect(try await store.recordWebhook(retried, owner: "s1"))
            #expect(try await store.claimWebhooks(limit: 10, owner: "s2", lease: 10_000, now: 3_400).isEmpty, "backing off")
            let again = try await store.claimWebhooks(limit: 10, owner: "s2", lease: 10_000, now: 3_500)
            #expect(again.count == 1 && again[0].attempts.count == 1)
            // s2 dies mid-POST: its lease expires and the delivery is due again.
            let rescued = try await store.claimWebhooks(limit: 10, owner: "s3", lease: 10_000, now: 13_501)
            #expect(rescued.map(\.id) == again.map(\.id))
            let delivered = rescued[0].after(WebhookAttempt(at: 13_600, statusCode: 204), maxAttempts: 10, baseDelay: 1_000, maxDelay: 60_000)
            #expect(try await store.recordWebhook(delivered, owner: "s3"))
            let final = try await store.webhookDeliveries(jobId: job.id)
            #expect(final.count == 1 && final[0].status == .delivered && final[0].deliveredAt == 13_600)
            #expect(final[0].attempts.map(\.statusCode) == [500, 204])
            #expect(try await store.claimWebhooks(limit: 10, owner: "s4", lease: 10_000, now: 99_999).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anIdempotencyKeyNamesOneJobForADay(kind: StoreKind) async throws {
        try await kind.withStore { store in
            func create(_ key: String, owner: String = "key_a", at: Millis) async throws -> Job {
                let job = Job(
                    id: Identifier.make("job"), ownerKeyId: owner, type: .nmt, priority: 0, options: JobOptions(),
                    idempotencyKey: key, requestHash: "h", counts: .allQueued(0), createdAt: at, updatedAt: at)
                return try await store.createJob(job, items: [], audit: AuditEntry(keyId: owner, action: "job.create", target: job.id))
            }
            let first = try await create("k1", at: 1_000)
            #expect(try await create("k1", at: 2_000).id == first.id)
            #expect(try await create("k1", owner: "key_b", at: 2_000).id != first.id, "keys are scoped per API key")
            #expect(try await create("k2", at: 2_000).id != first.id)
            let later = try await create("k1", at: 1_000 + Job.idempotencyWindow + 1)
            #expect(later.id != first.id, "an expired key names a new job")
            #expect(try await create("k1", at: 1_000 + Job.idempotencyWindow + 2).id == later.id)
            #expect(try await store.job(id: first.id, ownerKeyId: "key_a") != nil, "the old job stays")

            // Concurrent first uses of one key all get the same job.
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 { group.addTask { try await create("race", at: 5_000).id } }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(ids.count == 1, "\(ids)")
        }
    }
}
