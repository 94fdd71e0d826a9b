import Foundation
import Testing
@testable import ParleyCore
@testable import ParleyStore

/// A worker ends a whole batch in one store call: every outcome lands on its own item, each
/// job's counters and each key's usage move once, and an item the worker no longer holds is
/// left alone.
@Suite(.timeLimit(.minutes(5))) struct BatchFinishTests {
    @Test(arguments: StoreKind.allCases)
    func oneCallEndsEveryItemOfSeveralJobsAsItsOwnOutcomeSays(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let (first, a) = try await seedJob(store, owner: "key_a", count: 3, at: 1_000)
            let (second, b) = try await seedJob(store, owner: "key_b", count: 2, at: 1_100)
            let (_, unclaimed) = try await seedJob(store, owner: "key_a", count: 1, model: "other", at: 1_200)
            #expect(try await store.claim(model: "m", limit: 5, owner: "w", lease: 10_000, now: 2_000).count == 5)
            let measured = ResultMetadata(modelUsed: "m", detectedLanguage: "de", languageProbability: 0.8, audioSeconds: 2.5)
            let finished = try await store.finish([
                ItemFinish(itemId: a[0].id, outcome: .succeeded(resultRef: "ref-a0", metadata: measured)),
                ItemFinish(itemId: a[1].id, outcome: .failed(.invalidAudio("not audio"))),
                ItemFinish(itemId: a[2].id, outcome: .retry(.engineCrashed("boom"), runAfter: 9_000)),
                ItemFinish(itemId: b[0].id, outcome: success("ref-b0")),
                ItemFinish(itemId: b[1].id, outcome: success("ref-b1")),
                ItemFinish(itemId: unclaimed[0].id, outcome: success("never-held")),
            ], owner: "w", now: 3_000)
            #expect(finished == Set([a[0].id, a[1].id, a[2].id, b[0].id, b[1].id]), "the item the worker never held is not among them")

            let items = Dictionary(uniqueKeysWithValues: try await store.items(jobId: first.id).map { ($0.id, $0) })
            let success = try #require(items[a[0].id])
            #expect(success.status == .succeeded && success.resultRef == "ref-a0" && success.detectedLanguage == "de")
            #expect(success.audioSeconds == 2.5 && success.finishedAt == 3_000 && success.leaseOwner == nil && success.errorCode == nil)
            let failure = try #require(items[a[1].id])
            #expect(failure.status == .failed && failure.errorCode == "invalid_audio" && failure.resultRef == nil && failure.finishedAt == 3_000)
            let retry = try #require(items[a[2].id])
            #expect(retry.status == .queued && retry.runAfter == 9_000 && retry.errorCode == "engine_crashed")
            #expect(retry.attempts == 1 && retry.finishedAt == nil && retry.leaseOwner == nil && retry.leaseExpiresAt == nil)
            #expect(try await store.items(jobId: second.id).allSatisfy { $0.status == .succeeded })
            #expect(try await store.items(jobId: unclaimed[0].jobId).first?.status == .queued)

            let firstJob = try #require(try await store.job(id: first.id, ownerKeyId: "key_a"))
            #expect((firstJob.counts.queued, firstJob.counts.running, firstJob.counts.succeeded, firstJob.counts.failed) == (1, 0, 1, 1))
            #expect(firstJob.status == .running)
            let secondJob = try #require(try await store.job(id: second.id, ownerKeyId: "key_b"))
            #expect(secondJob.counts.succeeded == 2 && secondJob.status == .succeeded && secondJob.finishedAt == 3_000)
            #expect(try await store.usage(keyId: "key_a", day: Usage.day(1_000)) == Usage(audioSeconds: 2.5))
            #expect(try await store.usage(keyId: "key_b", day: Usage.day(1_000)) == Usage(audioSeconds: 2))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aBatchThatLostItsLeasesChangesNothing(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let (job, items) = try await seedJob(store, count: 2, at: 1_000)
            _ = try await store.claim(model: "m", limit: 2, owner: "late", lease: 1_000, now: 1_000)
            #expect(try await store.rescueExpired(now: 5_000) == 2)
            _ = try await store.claim(model: "m", limit: 2, owner: "current", lease: 60_000, now: 5_000)
            #expect(try await store.finish(items.map { ItemFinish(itemId: $0.id, outcome: success("stale")) }, owner: "late", now: 6_000).isEmpty)
            #expect(try await store.items(jobId: job.id).allSatisfy { $0.status == .running && $0.leaseOwner == "current" })
            #expect(try await store.job(id: job.id, ownerKeyId: "key_a")?.counts.running == 2)
            #expect(try await store.usage(keyId: "key_a", day: Usage.day(1_000)) == Usage())
        }
    }
}
