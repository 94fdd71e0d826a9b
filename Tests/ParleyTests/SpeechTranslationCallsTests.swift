import Foundation
import Synchronization
import Testing
@testable import ParleyBlobs
@testable import ParleyCore
@testable import ParleyEngine
@testable import ParleyStore
@testable import ParleyWorker

/// The worker follows the speech-translation plan: no `asr+nmt` item costs more than two
/// engine calls, and an unsupported pair with a known source costs none.
@Suite(.timeLimit(.minutes(2))) struct SpeechTranslationCallsTests {
    /// The echo engine behind a recorder of every call, serving only en<->pt as text and
    /// hearing German in any item whose language it must detect.
    final class RecordingEngine: InferenceEngine {
        let inner = EchoEngine(
            models: [ModelSpec(name: "m", path: ""), ModelSpec(name: ModelGroup.translation, path: "", kind: .translation)],
            delay: .zero)
        let calls = Mutex<[String]>([])

        var models: [String] { inner.models }
        func kind(of model: String) -> ModelKind? { inner.kind(of: model) }

        func transcribe(model: String, requests: [TranscriptionRequest]) async throws -> [String: Result<ItemResult, ParleyError>] {
            let task = requests.first?.options.task ?? "?"
            calls.withLock { $0.append("\(task) " + requests.map(\.id).sorted().joined(separator: ",")) }
            let detecting = Set(requests.filter { $0.options.language == nil }.map(\.id))
            var results = try await inner.transcribe(model: model, requests: requests)
            for id in detecting { results[id] = results[id]?.map { var heard = $0; heard.language = "de"; return heard } }
            return results
        }

        func translate(model: String, requests: [TextTranslationRequest]) async throws -> [String: Result<TextTranslationResult, ParleyError>] {
            calls.withLock { $0.append("text " + requests.map(\.id).sorted().joined(separator: ",")) }
            return try await inner.translate(model: model, requests: requests)
        }

        func capabilities() -> EngineCapabilities {
            EngineCapabilities(asrLanguages: ["m": ["en", "de", "pt"]], translationPairs: [
                TranslationPairInfo(source: "en", target: "pt", kind: "direct", backends: ["bergamot"]),
                TranslationPairInfo(source: "pt", target: "en", kind: "direct", backends: ["bergamot"]),
            ])
        }

        func health() -> EngineHealth { inner.health() }
    }

    @Test func everyItemTakesAtMostTwoCallsByItsRoute() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let blobs = try LocalBlobStore(root: directory.url.appendingPathComponent("blobs"))
        try await StoreKind.sqlite.withStore { store in
            // id: source, target
            let plan: [(String, String?, String)] = [
                ("a", nil, "en"),   // detected de, no de->en text model: Whisper's translate task, second call
                ("b", nil, "pt"),   // detected de, no de->pt model: fails after the first call
                ("c", "en", "pt"),  // text model, second call
                ("d", "de", "en"),  // Whisper translates in the transcription call itself
                ("e", "de", "pt"),  // known unsupported: fails before any call
            ]
            let now = Millis.now()
            let job = Job(
                id: Identifier.make("job"), ownerKeyId: "key_a", type: .asrNmt, priority: 0, options: JobOptions(),
                counts: .allQueued(plan.count), createdAt: now, updatedAt: now)
            var items: [JobItem] = []
            for (id, source, target) in plan {
                let key = BlobKey.input(job: job.id, item: id)
                try await blobs.put(key, data: Data(count: 3_200))
                items.append(JobItem(
                    id: id, jobId: job.id, clientId: id, kind: .audio, jobType: .asrNmt, input: .blob(key), srcLng: source,
                    tgtLng: target, model: "m", priority: 0, ownerKeyId: "key_a", maxAttempts: 1, runAfter: now, createdAt: now))
            }
            _ = try await store.createJob(job, items: items, audit: AuditEntry(keyId: "key_a", action: "job.create", target: job.id))
            let claimed = try await store.claim(model: "m", limit: 10, owner: "w", lease: 60_000, now: now)
            let engine = RecordingEngine()
            let processor = BatchProcessor(
                queue: store, blobs: blobs, engine: engine,
                loader: InputLoader(blobs: blobs, fetcher: AudioFetcher(maxBytes: 1_024, timeout: .seconds(5))),
                configuration: WorkerConfiguration(id: "w"), engineSlots: AsyncSemaphore(), reporter: nil, logger: TestLogger.make())
            await processor.process(claimed, model: "m")

            #expect(Set(engine.calls.withLock { $0 }) == ["transcribe a,b,c,d", "text c", "translate a"])
            let ended = Dictionary(uniqueKeysWithValues: try await store.items(jobId: job.id).map { ($0.id, $0) })
            #expect(ended["e"]?.errorCode == "unsupported_language_pair" && ended["e"]?.attempts == 1)
            #expect(ended["b"]?.errorCode == "unsupported_language_pair")
            func result(_ id: String) async throws -> ItemResult {
                let item = try #require(ended[id])
                #expect(item.status == .succeeded, "\(id): \(item.errorCode ?? "")")
                let ref = try #require(item.resultRef)
                return try JSONDecoder().decode(ItemResult.self, from: try #require(try await blobs.get(ref)))
            }
            for id in ["a", "c", "d"] { #expect(try await result(id).translation?.language == ended[id]?.tgtLng, "\(id)") }
            let a = try await result("a")
            #expect(a.translation?.model == "echo:translate" && a.language == "de")
        }
    }
}
