import Foundation
import Testing
@testable import ParleyCore
@testable import ParleyStore

/// Hard quotas in both stores: reserved with the job's insert or at fetch, settled as each
/// item ends, all on the day the job was accepted.
@Suite(.timeLimit(.minutes(5))) struct QuotaStoreTests {
    static let accepted = Millis(1_764_000_000_000)
    static var day: String { Usage.day(accepted) }

    /// Stores a job of audio items of `owner` reserving `reserved` seconds each, under `quotas`.
    @discardableResult
    static func seed(
        _ store: any ParleyDataStore, owner: String = "key_q", reserved: [Double], quotas: Quotas, maxAttempts: Int = 3
    ) async throws -> [JobItem] {
        let job = Job(id: Identifier.make("job"), ownerKeyId: owner, type: .asr, priority: 0, options: JobOptions(),
                      counts: .allQueued(reserved.count), createdAt: accepted, updatedAt: accepted)
        let items = reserved.enumerated().map { index, seconds in
            JobItem(id: Identifier.make("itm"), jobId: job.id, clientId: "c\(index)", kind: .audio, jobType: .asr,
                    input: .url("https://example.com/\(index).wav"), srcLng: nil, tgtLng: nil, model: "m", priority: 0,
                    ownerKeyId: owner, maxAttempts: maxAttempts, runAfter: accepted, quotaReserved: seconds, createdAt: accepted)
        }
        _ = try await store.createJob(job, items: items, quotas: quotas, audit: AuditEntry(keyId: owner, action: "job.create", target: job.id))
        return items
    }

    static func refusal(_ body: () async throws -> Void) async -> String? {
        do { try await body() } catch let error as ParleyError { return error.code == "quota_exceeded" ? error.param : error.code } catch { return "\(error)" }
        return nil
    }

    @Test(arguments: StoreKind.allCases)
    func aJobThatWouldPassAQuotaIsRefusedWithNothingStored(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let quotas = Quotas(audioSecondsPerDay: 10)
            try await Self.seed(store, reserved: [3, 3], quotas: quotas)
            #expect(try await store.usage(keyId: "key_q", day: Self.day) == Usage(reservedAudioSeconds: 6))
            #expect(await Self.refusal { try await Self.seed(store, reserved: [2, 3], quotas: quotas) } == "audio_seconds_per_day")
            #expect(try await store.listJobs(ownerKeyId: "key_q", after: nil, limit: 10).count == 1, "the refused job left nothing")
            #expect(try await store.usage(keyId: "key_q", day: Self.day) == Usage(reservedAudioSeconds: 6))
            try await Self.seed(store, reserved: [4], quotas: quotas)
            // Used up: even a job whose audio is not known yet (by URL) is refused.
            #expect(await Self.refusal { try await Self.seed(store, reserved: [0], quotas: quotas) } == "audio_seconds_per_day")
            #expect(try await Self.seed(store, owner: "key_other", reserved: [50], quotas: Quotas()).count == 1, "unlimited keys")
            #expect(try await store.usage(keyId: "key_other", day: Self.day) == Usage(), "an unlimited key holds no reservations")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func eachWayAnItemEndsSettlesItsReservation(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let items = try await Self.seed(store, reserved: [2, 2, 2, 2, 2], quotas: Quotas(audioSecondsPerDay: 100))
            let now = Self.accepted + 1_000
            _ = try await store.claim(model: "m", limit: 5, owner: "w", lease: 60_000, now: now)
            func usage() async throws -> Usage { try await store.usage(keyId: "key_q", day: Self.day) }
            let measured = ItemOutcome.succeeded(resultRef: "r", metadata: ResultMetadata(
                modelUsed: "m", detectedLanguage: "en", languageProbability: 1, audioSeconds: 1.5))
            #expect(try await store.finish(itemId: items[0].id, owner: "w", outcome: measured, now: now))
            #expect(try await usage() == Usage(audioSeconds: 1.5, reservedAudioSeconds: 8), "a success: what it measured")
            #expect(try await store.finish(itemId: items[1].id, owner: "w", outcome: .failed(.engineCrashed("boom")), now: now))
            #expect(try await usage() == Usage(audioSeconds: 3.5, reservedAudioSeconds: 6), "a crash: what it reserved")
            #expect(try await store.finish(itemId: items[2].id, owner: "w", outcome: .failed(.invalidAudio("bad")), now: now))
            #expect(try await usage() == Usage(audioSeconds: 3.5, reservedAudioSeconds: 4), "never reached the engine: nothing")
            #expect(try await store.finish(itemId: items[3].id, owner: "w", outcome: .retry(.engineCrashed("boom"), runAfter: now), now: now))
            #expect(try await usage() == Usage(audioSeconds: 3.5, reservedAudioSeconds: 4), "a retry keeps its reservation")
            // Cancelling releases the queued item; the running one is charged what it got to.
            let job = try #require(try await store.listJobs(ownerKeyId: "key_q", after: nil, limit: 1).first)
            _ = try await store.cancelJob(id: job.id, ownerKeyId: "key_q", audit: AuditEntry(keyId: "key_q", action: "job.cancel", target: job.id))
            #expect(try await usage() == Usage(audioSeconds: 3.5, reservedAudioSeconds: 2))
            #expect(try await store.finish(itemId: items[4].id, owner: "w", outcome: success(), now: now))
            #expect(try await usage() == Usage(audioSeconds: 4.5, reservedAudioSeconds: 0))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aLostWorkerIsChargedWhatItsItemReserved(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await Self.seed(store, reserved: [3, 4], quotas: Quotas(audioSecondsPerDay: 100), maxAttempts: 1)
            _ = try await store.claim(model: "m", limit: 2, owner: "w", lease: 1_000, now: Self.accepted)
            #expect(try await store.rescueExpired(now: Self.accepted + 5_000) == 2)
            #expect(try await store.usage(keyId: "key_q", day: Self.day) == Usage(audioSeconds: 7))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aFetchedItemReservesWhatItNeedsOrIsRefused(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let quotas = Quotas(audioSecondsPerDay: 10)
            try await store.createKey(APIKeyRecord(
                id: "key_q", prefix: "pq", secretHash: "h", owner: "q", scopes: [.jobsWrite], rate: RateSettings(perMinute: 60, burst: 60),
                quotas: quotas, createdAt: Self.accepted), audit: AuditEntry(keyId: nil, action: "key.create", target: "key_q"))
            let items = try await Self.seed(store, reserved: [0, 0], quotas: quotas)
            _ = try await store.claim(model: "m", limit: 2, owner: "w", lease: 60_000, now: Self.accepted)
            #expect(try await store.reserveQuota(itemId: items[0].id, owner: "w", amount: 6) == nil)
            #expect(try await store.reserveQuota(itemId: items[1].id, owner: "other", amount: 6) == nil, "not its lease: nothing")
            #expect(try await store.reserveQuota(itemId: items[1].id, owner: "w", amount: 6)
                == QuotaRefusal(quota: "audio_seconds_per_day", need: 6, left: 4))
            #expect(try await store.items(jobId: items[0].jobId).map(\.quotaReserved) == [6, 0])
            #expect(try await store.usage(keyId: "key_q", day: Self.day) == Usage(reservedAudioSeconds: 6))
            let measured = ItemOutcome.succeeded(resultRef: "r", metadata: ResultMetadata(
                modelUsed: "m", detectedLanguage: nil, languageProbability: nil, audioSeconds: 5.75))
            #expect(try await store.finish(itemId: items[0].id, owner: "w", outcome: measured, now: Self.accepted))
            #expect(try await store.finish(itemId: items[1].id, owner: "w", outcome: .failed(.quotaExceeded(
                QuotaRefusal(quota: "audio_seconds_per_day", need: 6, left: 4))), now: Self.accepted))
            #expect(try await store.usage(keyId: "key_q", day: Self.day) == Usage(audioSeconds: 5.75))
        }
    }
}
