import Foundation
import Testing
import ParleyServer

/// One tenant's bad input costs only its own items: an item that crashes the engine, audio over
/// `PARLEY_MAX_AUDIO_SECONDS`, and an upload near `PARLEY_MAX_UPLOAD_BYTES` named by several
/// items, each in a batch with other items, through the real Whisper model.
@Suite(.serialized, .timeLimit(.minutes(5))) struct PoisonItemTests {
    /// A WAV of `seconds` of digital silence.
    static func silence(seconds: Int) -> Data {
        let samples = seconds * 16_000
        var wav = Data("RIFF".utf8)
        func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { wav.append(contentsOf: $0) } }
        func append16(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { wav.append(contentsOf: $0) } }
        append(UInt32(36 + samples * 2))
        wav.append(Data("WAVEfmt ".utf8))
        append(16); append16(1); append16(1); append(16_000); append(32_000); append16(2); append16(16)
        wav.append(Data("data".utf8))
        append(UInt32(samples * 2))
        wav.append(Data(count: samples * 2))
        return wav
    }

    /// Items as the job shows them, by id.
    static func items(_ job: [String: Any]) -> [String: [String: Any]] {
        Dictionary(uniqueKeysWithValues: (job["items"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "?", $0) })
    }

    static func errorCode(_ item: [String: Any]?) -> String? {
        (item?["error"] as? [String: Any])?["code"] as? String
    }

    @Test func anItemThatCrashesTheEngineChargesOnlyItself() async throws {
        let marker = "PARLEY-FAULT-\(UUID().uuidString)"
        let clip = try TestAudio.librivox("sense_and_sensibility_01_austen_64kb-0870").audio
        let poison = clip + Data(marker.utf8)
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let configure: (inout ParleyConfiguration) -> Void = {
            $0.engine.environment["PARLEY_ENGINE_FAULT_MARKER"] = marker
            $0.api.maxAttempts = 2
        }
        // Both tenants' jobs are queued before a worker runs, so they share its first batch.
        var jobs: (a: String, b: String, keyA: String, keyB: String) = ("", "", "", "")
        try await LiveServer.with(worker: false, directory: directory, configure: configure) { server in
            let keyA = try await server.createKey(owner: "tenant-a")
            let keyB = try await server.createKey(owner: "tenant-b")
            let a = try await server.post("/v1/jobs", json: ["job_type": "asr", "items": [
                ["id": "poison", "base64": poison.base64EncodedString(), "src_lng": "en"],
                ["id": "fine", "base64": clip.base64EncodedString(), "src_lng": "en"],
            ]], key: keyA)
            let names = ["0880", "0890", "0920"]
            let b = try await server.post("/v1/jobs", json: ["job_type": "asr", "items": try names.map {
                ["id": $0, "base64": try TestAudio.librivox("sense_and_sensibility_01_austen_64kb-\($0)").audio.base64EncodedString()]
            }], key: keyB)
            jobs = (try #require(a.json["job_id"] as? String, "\(a.text)"), try #require(b.json["job_id"] as? String, "\(b.text)"), keyA, keyB)
        }
        try await LiveServer.with(worker: true, directory: directory, configure: configure) { server in
            let b = try await server.waitForJob(jobs.b, key: jobs.keyB, timeout: .seconds(200))
            #expect(b["status"] as? String == "succeeded", "\(b)")
            for (id, item) in Self.items(b) {
                #expect(item["attempts"] as? Int == 1, "tenant B's \(id) lost no attempt to A's poison: \(item)")
            }
            let a = try await server.waitForJob(jobs.a, key: jobs.keyA, timeout: .seconds(200))
            let items = Self.items(a)
            #expect(items["fine"]?["status"] as? String == "succeeded" && items["fine"]?["attempts"] as? Int == 1, "\(a)")
            #expect(items["poison"]?["status"] as? String == "failed" && Self.errorCode(items["poison"]) == "engine_crashed", "\(a)")
            #expect(items["poison"]?["attempts"] as? Int == 2, "the poison item used its own attempts")
        }
    }

    @Test func audioOverTheLimitAndAHugeUploadFailTheirItemsAlone() async throws {
        let clip = try TestAudio.librivox("sense_and_sensibility_01_austen_64kb-0930").audio
        try await LiveServer.with(worker: true, configure: {
            $0.engine.environment["PARLEY_MAX_AUDIO_SECONDS"] = "60"
            $0.api.maxUploadBytes = 16 * 1024 * 1024
        }) { server in
            // Near the upload limit: 16 MiB less 4 KiB of silence, over eight minutes.
            let huge = Self.silence(seconds: (16 * 1024 * 1024 - 4_096) / 32_000)
            let uploaded = try await server.upload(huge)
            let uploadId = try #require(uploaded.json["id"] as? String, "\(uploaded.text)")
            var items: [[String: Any]] = (0..<3).map { ["id": "huge-\($0)", "upload_id": uploadId] }
            items.append(["id": "long", "base64": Self.silence(seconds: 90).base64EncodedString()])
            items.append(["id": "speech", "base64": clip.base64EncodedString()])
            let created = try await server.post("/v1/jobs", json: ["job_type": "asr", "items": items])
            let jobId = try #require(created.json["job_id"] as? String, "\(created.text)")
            let job = try await server.waitForJob(jobId, timeout: .seconds(200))
            let byId = Self.items(job)
            for id in ["huge-0", "huge-1", "huge-2", "long"] {
                #expect(byId[id]?["status"] as? String == "failed" && Self.errorCode(byId[id]) == "input_too_long", "\(id): \(byId[id] ?? [:])")
                #expect(byId[id]?["attempts"] as? Int == 1, "too long is final, not retried")
            }
            #expect(byId["speech"]?["status"] as? String == "succeeded" && byId["speech"]?["attempts"] as? Int == 1,
                    "the engine lived on: \(byId["speech"] ?? [:])")
        }
    }
}
