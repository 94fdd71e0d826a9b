import Foundation
import Testing
@testable import ParleyBlobs
@testable import ParleyServer

/// The disk guard: while the local blob volume has less free space than `minFreeBytes`,
/// uploads and inline audio are refused with 507 before anything is written.
@Suite(.timeLimit(.minutes(3))) struct DiskGuardTests {
    /// Every file under `folder`, the blob store's root.
    static func files(_ folder: URL) -> [String] {
        (FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? [])
            .filter { !$0.isEmpty && !((try? folder.appendingPathComponent($0).resourceValues(forKeys: [.isDirectoryKey]))?.isDirectory ?? false) }
    }

    @Test func aFullVolumeRefusesAudioWritesNothingAndStillTakesText() async throws {
        try await LiveServer.with(worker: true, configure: {
            $0.echoDelay = .zero
            $0.api.minFreeBytes = Int.max / 4  // more than any disk has free
        }) { server in
            let blobs = try #require(server.server.blobs as? LocalBlobStore)
            let upload = try await server.upload(Data(repeating: 1, count: 1_000))
            #expect(upload.status == 507 && upload.errorCode == "insufficient_storage", "\(upload.text)")
            let inline = try await server.post("/v1/jobs", json: ["job_type": "asr", "items": [["id": "a", "base64": "eA=="]]])
            #expect(inline.status == 507 && inline.errorCode == "insufficient_storage", "\(inline.text)")
            let sync = try await NonSpeechTests.openAI(server, route: "transcriptions", audio: Data(count: 3_200))
            #expect(sync.status == 507 && sync.errorCode == "insufficient_storage", "\(sync.text)")
            #expect(Self.files(blobs.root).isEmpty, "nothing was written: \(Self.files(blobs.root))")
            #expect((try await server.get("/v1/jobs").json["data"] as? [Any])?.isEmpty == true, "no job was made")

            let text = try await server.post("/v1/jobs", json: [
                "job_type": "nmt", "items": [["id": "t", "text": "hello", "src_lng": "en", "tgt_lng": "pt"]],
            ])
            #expect(text.status == 202, "text needs no blob volume: \(text.text)")
            let url = try await server.post("/v1/jobs", json: [
                "job_type": "asr", "items": [["id": "u", "audio_url": "https://example.com/a.wav"]],
            ])
            #expect(url.status == 202, "an audio_url is fetched later, not stored now: \(url.text)")
        }
    }

    @Test func theGuardReadsTheVolumeAndLeavesS3Alone() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let free = try #require(try LocalBlobStore(root: directory.url).freeBytes())
        #expect(free > 0)
        let bucket = S3BlobStore(settings: S3Settings(
            endpoint: S3BlobStoreTests.endpoint, bucket: "parley-test", credentials: S3BlobStoreTests.credentials))
        #expect(try bucket.freeBytes() == nil)
    }
}
