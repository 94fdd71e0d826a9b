import Foundation
import Testing
@testable import ParleyCore
@testable import ParleyStore

/// The stores every queue behaviour runs against.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// Runs `body` on a fresh, isolated store, disposed of afterwards.
    func withStore(_ body: (any ParleyDataStore) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            let dir = try TemporaryDirectory()
            defer { dir.cleanup() }
            try await SQLiteStore.withOpen(path: dir.url.appendingPathComponent("q.sqlite").path, logger: TestLogger.make()) {
                try await body($0)
            }
        case .postgres:
            try await TestDatabase.withStore { try await body($0) }
        }
    }
}

/// Stores a job of `count` items and returns its items in order.
@discardableResult
func seedJob(
    _ store: any MetadataStore, owner: String = "key_a", priority: Int = 0, count: Int, model: String = "m",
    at createdAt: Millis = 1_000, maxAttempts: Int = 3, options: JobOptions = JobOptions()
) async throws -> (Job, [JobItem]) {
    let job = Job(
        id: Identifier.make("job"), ownerKeyId: owner, type: .asr, priority: priority, options: options,
        counts: .allQueued(count), createdAt: createdAt, updatedAt: createdAt)
    let items = (0..<count).map { index in
        JobItem(
            id: Identifier.make("itm"), jobId: job.id, clientId: "c\(index)", kind: .audio, jobType: .asr,
            input: .blob("inputs/\(index)"), srcLng: nil, tgtLng: nil, model: model, priority: priority,
            ownerKeyId: owner, maxAttempts: maxAttempts, runAfter: createdAt, createdAt: createdAt)
    }
    _ = try await store.createJob(job, items: items, audit: AuditEntry(keyId: owner, action: "job.create", target: job.id))
    return (job, items)
}

func success(_ ref: String = "r") -> ItemOutcome {
    .succeeded(resultRef: ref, metadata: ResultMetadata(modelUsed: "m", detectedLanguage: "en", languageProbability: 0.9, audioSeconds: 1))
}

@Suite(.timeLimit(.minutes(5))) struct QueueBehaviourTests {
    @Test(arguments: StoreKind.allCases)
    func priorityFirstThenOldestFirst(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let (_, low) = try await seedJob(store, priority: 0, count: 3, at: 1_000)
            let (_, high) = try await seedJob(store, priority: 5, count: 2, at: 2_000)
            let claimed = try await store.claim(model: "m", limit: 3, owner: "w", lease: 10_000, now: 3_000)
            #expect(claimed.map(\.id) == [high[0].id, high[1].id, low[0].id])
            #expect(claimed.allSatisfy { $0.status == .running && $0.attempts == 1 && $0.leaseOwner == "w" })
        }
    }

    @Test(arguments: StoreKind.allCases)
    func roundRobinAcrossKeysWithinAPriority(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let (_, big) = try await seedJob(store, owner: "key_a", count: 200, at: 1_000)
            let (_, small) = try await seedJob(store, owner: "key_b", count: 5, at: 2_000)
            let first = try await store.claim(model: "m", limit: 4, owner: "w", lease: 10_000, now: 3_000)
            #expect(first.map(\.id) == [big[0].id, small[0].id, big[1].id, small[1].id])
            let second = try await store.claim(model: "m", limit: 6, owner: "w", lease: 10_000, now: 3_000)
            #expect(second.filter { $0.ownerKeyId == "key_b" }.count == 3, "key B's job finishes within two batches")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func lateSmallJobWaitsAtMostOneBatchPerWorker(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await seedJob(store, owner: "key_a", count: 5_000, at: 1_000)
            _ = try await store.claim(model: "m", limit: 8, owner: "w1", lease: 60_000, now: 1_500)
            _ = try await store.claim(model: "m", limit: 8, owner: "w2", lease: 60_000, now: 1_500)
            let (_, small) = try await seedJob(store, owner: "key_b", count: 5, at: 2_000)
            // Each of the two workers claims its next batch: key B's job must be all in them.
            let next = try await store.claim(model: "m", limit: 8, owner: "w1", lease: 60_000, now: 2_500)
                + store.claim(model: "m", limit: 8, owner: "w2", lease: 60_000, now: 2_500)
            #expect(Set(next.map(\.id)).isSuperset(of: small.map(\.id)))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func usageIsChargedToTheDayItsJobWasAccepted(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let accepted = Millis(1_764_000_000_000)
            let (_, items) = try await seedJob(store, count: 3, at: accepted)
            _ = try await store.claim(model: "m", limit: 3, owner: "w", lease: 10_000, now: accepted + 1_000)
            let now = accepted + 86_400_000  // finished the next day
            let text = ResultMetadata(modelUsed: "m", detectedLanguage: "en", languageProbability: 1, audioSeconds: nil, characters: 7)
            #expect(try await store.finish(itemId: items[0].id, owner: "w", outcome: success(), now: now))
            #expect(try await store.finish(itemId: items[1].id, owner: "w", outcome: .succeeded(resultRef: "t", metadata: text), now: now))
            #expect(try await store.finish(itemId: items[2].id, owner: "w", outcome: .failed(.invalidAudio("bad")), now: now))
            // The job's items are audio: a success is charged what it measured, in their unit.
            #expect(try await store.usage(keyId: "key_a", day: Usage.day(accepted)) == Usage(audioSeconds: 1))
            #expect(try await store.usage(keyId: "key_a", day: Usage.day(now)) == Usage())
            #expect(try await store.usage(keyId: "key_b", day: Usage.day(accepted)) == Usage())
        }
    }

    @Test(arguments: StoreKind.allCases)
    func claimsOnlyItsModelAndReadyItems(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await seedJob(store, count: 2, model: "other")
            try await seedJob(store, count: 1, model: "m", at: 5_000)
            #expect(try await store.claim(model: "m", limit: 10, owner: "w", lease: 1_000, now: 4_000).isEmpty)
            #expect(try await store.claim(model: "m", limit: 10, owner: "w", lease: 1_000, now: 5_000).count == 1)
            #expect(try await store.claim(model: "m", limit: 10, owner: "w", lease: 1_000, now: 5_000).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func expiredLeaseIsRescuedAndCountsAnAttempt(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let (job, _) = try await seedJob(store, count: 1)
            _ = try await store.claim(model: "m", limit: 1, owner: "w1", lease: 1_000, now: 2_000)
            #expect(try await store.rescueExpired(now: 2_500) == 0)
            #expect(try await store.heartbeat(itemIds: try await store.items(jobId: job.id).map(\.id), owner: "w1", lease: 1_000, now: 2_800) == 1)
            #expect(try await store.rescueExpired(now: 3_500) == 0, "the heartbeat extended the lease to 3800")
            #expect(try await store.rescueExpired(now: 3_900) == 1)
            let item = try #require(try await store.items(jobId: job.id).first)
            #expect(item.status == .queued && item.attempts == 1 && item.leaseOwner == nil && item.errorCode == "worker_lost")
            let again = try await store.claim(model: "m", limit: 1, owner: "w2", lease: 1_000, now: 4_000)
            #expect(again.first?.attempts == 2)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func lastAttemptLostFailsWithWorkerLost(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let (job, _) = try await seedJob(store, count: 1, maxAttempts: 2)
            for round in 0..<2 {
                let now = Millis(2_000 + round * 10_000)
                #expect(try await store.claim(model: "m", limit: 1, owner: "w", lease: 1_000, now: now).count == 1)
                #expect(try await store.rescueExpired(now: now + 2_000) == 1)
            }
            let item = try #require(try await store.items(jobId: job.id).first)
            #expect(item.status == .failed && item.errorCode == "worker_lost")
            let after = try #require(try await store.job(id: job.id, ownerKeyId: "key_a"))
            #expect(after.status == .failed && after.counts.failed == 1 && after.finishedAt != nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func retryWaitsForItsBackoff(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let (job, _) = try await seedJob(store, count: 1)
            let item = try #require(try await store.claim(model: "m", limit: 1, owner: "w", lease: 10_000, now: 2_000).first)
            let error = ParleyError.engineCrashed("boom")
            #expect(try await store.finish(itemId: item.id, owner: "w", outcome: .retry(error, runAfter: 7_000), now: 2_100))
            #expect(try await store.claim(model: "m", limit: 1, owner: "w", lease: 10_000, now: 6_999).isEmpty)
            let retried = try await store.claim(model: "m", limit: 1, owner: "w", lease: 10_000, now: 7_000)
            #expect(retried.first?.attempts == 2)
            let running = try #require(try await store.job(id: job.id, ownerKeyId: "key_a"))
            #expect(running.status == .running && running.counts.running == 1)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func onlyTheLeaseHolderCanFinish(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let (job, _) = try await seedJob(store, count: 1)
            let item = try #require(try await store.claim(model: "m", limit: 1, owner: "stale", lease: 1_000, now: 2_000).first)
            _ = try await store.rescueExpired(now: 3_500)
            _ = try await store.claim(model: "m", limit: 1, owner: "fresh", lease: 1_000, now: 3_600)
            #expect(try await !store.finish(itemId: item.id, owner: "stale", outcome: success("stale-ref"), now: 3_700))
            #expect(try await store.finish(itemId: item.id, owner: "fresh", outcome: success("fresh-ref"), now: 3_800))
            #expect(try await !store.finish(itemId: item.id, owner: "fresh", outcome: success("twice"), now: 3_900))
            let done = try #require(try await store.items(jobId: job.id).first)
            #expect(done.status == .succeeded && done.resultRef == "fresh-ref" && done.detectedLanguage == "en")
            let finished = try #require(try await store.job(id: job.id, ownerKeyId: "key_a"))
            #expect(finished.status == .succeeded && finished.counts == JobCounts(total: 1, succeeded: 1))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func mixedOutcomesCompleteWithErrors(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let (job, _) = try await seedJob(store, count: 2)
            let claimed = try await store.claim(model: "m", limit: 2, owner: "w", lease: 10_000, now: 2_000)
            #expect(try await store.finish(itemId: claimed[0].id, owner: "w", outcome: success(), now: 2_100))
            #expect(try await store.finish(itemId: claimed[1].id, owner: "w", outcome: .failed(.invalidAudio("bad")), now: 2_200))
            let finished = try #require(try await store.job(id: job.id, ownerKeyId: "key_a"))
            #expect(finished.status == .completedWithErrors)
            #expect(finished.startedAt == 2_000 && finished.finishedAt == 2_200)
            let failed = try #require(try await store.item(jobId: job.id, clientId: claimed[1].clientId))
            #expect(failed.errorCode == "invalid_audio")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func cancelStopsQueuedAtOnceAndDropsRunning(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let (job, _) = try await seedJob(store, count: 3)
            let running = try #require(try await store.claim(model: "m", limit: 1, owner: "w", lease: 10_000, now: 2_000).first)
            let cancelled = try #require(try await store.cancelJob(
                id: job.id, ownerKeyId: "key_a", audit: AuditEntry(at: 2_500, keyId: "key_a", action: "job.cancel", target: job.id)))
            #expect(cancelled.status == .running && cancelled.counts.cancelled == 2 && cancelled.counts.running == 1)
            #expect(try await store.claim(model: "m", limit: 5, owner: "w", lease: 10_000, now: 2_600).isEmpty)
            #expect(try await store.finish(itemId: running.id, owner: "w", outcome: success(), now: 2_700))
            let final = try #require(try await store.job(id: job.id, ownerKeyId: "key_a"))
            #expect(final.status == .cancelled && final.counts.cancelled == 3)
            #expect(try await store.cancelJob(id: job.id, ownerKeyId: "key_b", audit: AuditEntry(keyId: nil, action: "x", target: "y")) == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func releaseReturnsItemsWithoutCountingTheAttempt(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let (job, _) = try await seedJob(store, count: 2)
            let claimed = try await store.claim(model: "m", limit: 2, owner: "w", lease: 10_000, now: 2_000)
            #expect(try await store.release(itemIds: claimed.map(\.id), owner: "other", now: 2_100) == 0)
            #expect(try await store.release(itemIds: claimed.map(\.id), owner: "w", now: 2_100) == 2)
            let items = try await store.items(jobId: job.id)
            #expect(items.allSatisfy { $0.status == .queued && $0.attempts == 0 })
            #expect(try await store.job(id: job.id, ownerKeyId: "key_a")?.counts.queued == 2)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func listsJobsNewestFirstWithCursor(kind: StoreKind) async throws {
        try await kind.withStore { store in
            var ids: [String] = []
            for index in 0..<5 { ids.append(try await seedJob(store, count: 1, at: Millis(1_000 + index)).0.id) }
            try await seedJob(store, owner: "key_b", count: 1)
            let first = try await store.listJobs(ownerKeyId: "key_a", after: nil, limit: 3)
            #expect(first.map(\.id) == Array(ids.reversed().prefix(3)))
            let last = try #require(first.last)
            let second = try await store.listJobs(ownerKeyId: "key_a", after: JobCursor(createdAt: last.createdAt, id: last.id), limit: 3)
            #expect(second.map(\.id) == [ids[1], ids[0]])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func largeJobsKeepEveryItemInOrder(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let (job, items) = try await seedJob(store, count: 1_201)
            let stored = try await store.items(jobId: job.id)
            #expect(stored.map(\.id) == items.map(\.id))
            #expect(stored.last?.clientId == "c1200")
            #expect(try await store.job(id: job.id, ownerKeyId: "key_a")?.counts == .allQueued(1_201))
        }
    }
}
