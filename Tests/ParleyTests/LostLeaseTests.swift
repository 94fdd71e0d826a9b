import Foundation
import Testing
@testable import ParleyBlobs
@testable import ParleyCore
@testable import ParleyEngine
@testable import ParleyStore
@testable import ParleyWorker

/// A worker that lost its lease cannot overwrite the result of the attempt that replaced it:
/// each attempt writes a key of its own, made visible only by the lease-checked finish.
@Suite(.timeLimit(.minutes(2))) struct LostLeaseTests {
    static func processor(_ store: any ParleyDataStore, blobs: any BlobStore, owner: String) -> BatchProcessor {
        BatchProcessor(
            queue: store, blobs: blobs, engine: EchoEngine(models: [ModelSpec(name: "m", path: "")], delay: .zero),
            loader: InputLoader(blobs: blobs, fetcher: AudioFetcher(maxBytes: 1_024, timeout: .seconds(5))),
            configuration: WorkerConfiguration(id: owner), engineSlots: AsyncSemaphore(), reporter: nil, logger: TestLogger.make())
    }

    static func result(_ text: String) -> ItemResult {
        ItemResult(text: text, language: "en", languageProbability: 1, duration: 1, model: "m", segments: [])
    }

    @Test(arguments: StoreKind.allCases)
    func aLateWorkerLeavesTheAcceptedResultAlone(kind: StoreKind) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let blobs = try LocalBlobStore(root: directory.url)
        try await kind.withStore { store in
            let (job, _) = try await seedJob(store, count: 1, at: 1_000)
            let late = try #require(try await store.claim(model: "m", limit: 1, owner: "wrk_late", lease: 1_000, now: 1_000).first)
            // The late worker stalls past its lease; the rescuer requeues the item and another claims it.
            #expect(try await store.rescueExpired(now: 5_000) == 1)
            let current = try #require(try await store.claim(model: "m", limit: 1, owner: "wrk_current", lease: 60_000, now: 5_000).first)
            #expect(current.attempts == late.attempts + 1)
            await Self.processor(store, blobs: blobs, owner: "wrk_current").end([(current, .success(Self.result("accepted")))])
            await Self.processor(store, blobs: blobs, owner: "wrk_late").end([(late, .success(Self.result("stale")))])

            let item = try #require(try await store.items(jobId: job.id).first)
            #expect(item.status == .succeeded)
            let ref = try #require(item.resultRef)
            let stored = try JSONDecoder().decode(ItemResult.self, from: try #require(try await blobs.get(ref)))
            #expect(stored.text == "accepted")
            #expect(try await blobs.get(BlobKey.result(job: late.jobId, item: late.id, attempt: late.attempts, worker: "wrk_late")) == nil, "the late attempt's blob is removed")
        }
    }
}
