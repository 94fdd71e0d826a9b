import Foundation
import Testing
@testable import ParleyCore
@testable import ParleyServer
@testable import ParleyStore

/// Whole jobs through the real HTTP API, the worker and the real Whisper base model.
@Suite(.serialized, .timeLimit(.minutes(5))) struct EndToEndTests {
    @Test func realRecordingsTranscribeAndABadItemFailsAlone() async throws {
        let english = try TestAudio.librivox("sense_and_sensibility_01_austen_64kb-0870")
        let german = try await TestAudio.espeak("Guten Morgen. Wie geht es dir heute? Das Wetter ist sehr schön.", voice: "de")
        try await LiveServer.with(worker: true) { server in
            let created = try await server.post("/v1/jobs", json: [
                "job_type": "asr",
                "items": [
                    ["id": "english", "base64": english.audio.base64EncodedString()],
                    ["id": "german", "base64": german.base64EncodedString()],
                    ["id": "corrupt", "base64": TestAudio.corrupt.base64EncodedString()],
                ],
            ])
            #expect(created.status == 202)
            let jobId = try #require(created.json["job_id"] as? String)
            let job = try await server.waitForJob(jobId)
            #expect(job["status"] as? String == "completed_with_errors")
            let progress = try #require(job["progress"] as? [String: Int])
            #expect(progress["succeeded"] == 2 && progress["failed"] == 1 && progress["total"] == 3)
            let items = Dictionary(uniqueKeysWithValues: try #require(job["items"] as? [[String: Any]]).map { ($0["id"] as! String, $0) })
            #expect(items["english"]?["detected_language"] as? String == "en")
            #expect(items["german"]?["detected_language"] as? String == "de")
            #expect(items["english"]?["model_used"] as? String == "whisper-base")
            #expect((items["corrupt"]?["error"] as? [String: Any])?["code"] as? String == "invalid_audio")

            let result = try await server.get("/v1/jobs/\(jobId)/items/english/result").json
            let text = try #require(result["text"] as? String)
            let wer = WordErrorRate.rate(reference: english.reference, hypothesis: text)
            #expect(wer <= 0.15, "WER \(wer) for '\(text)'")
            #expect((result["segments"] as? [Any])?.isEmpty == false)
            #expect((result["duration"] as? Double ?? 0) > 5)
            #expect((result["language_probability"] as? Double ?? 0) > 0.5)

            let srt = try await server.get("/v1/jobs/\(jobId)/items/english/result?format=srt")
            #expect(srt.status == 200 && srt.text.hasPrefix("1\n00:00:00,000 --> "))
            #expect(try await server.get("/v1/jobs/\(jobId)/items/english/result?format=vtt").text.hasPrefix("WEBVTT"))
            let all = try await server.get("/v1/jobs/\(jobId)/results").json
            let results = try #require(all["results"] as? [[String: Any]])
            #expect(results.map { $0["status"] as? String } == ["succeeded", "succeeded", "failed"])
        }
    }

    @Test func killedEngineMidJobIsRestartedAndItsCallRunAgain() async throws {
        let clips = try ["0870", "0890", "0920"].map { try TestAudio.librivox("sense_and_sensibility_01_austen_64kb-\($0)").audio }
        try await LiveServer.with(worker: true) { server in
            let engine = try #require(server.server.engine)
            #expect(await eventually(timeout: .seconds(120)) { engine.health().ready })
            let firstPid = try #require(engine.pids(model: "whisper-base").first)
            let created = try await server.post("/v1/jobs", json: [
                "job_type": "asr",
                "items": clips.enumerated().map { ["id": "clip\($0.offset)", "base64": $0.element.base64EncodedString(), "src_lng": "en"] },
            ])
            let jobId = try #require(created.json["job_id"] as? String)
            let running = try await eventually(timeout: .seconds(30), interval: .milliseconds(20)) {
                (try await server.get("/v1/jobs/\(jobId)").json["progress"] as? [String: Int])?["running"] ?? 0 > 0
            }
            #expect(running)
            try await Task.sleep(for: .milliseconds(300))
            #expect(kill(firstPid, SIGKILL) == 0)

            let job = try await server.waitForJob(jobId)
            #expect(job["status"] as? String == "succeeded", "\(job)")
            let items = try #require(job["items"] as? [[String: Any]])
            // A crash that no single item repeats costs no attempts: the call runs again in halves
            // on the restarted engine (CallContainment), and every item succeeds on attempt 1.
            #expect(items.allSatisfy { $0["attempts"] as? Int == 1 }, "the killed call was run again at once: \(items)")
            let newPid = try #require(engine.pids(model: "whisper-base").first)
            #expect(newPid != firstPid)
            #expect(engine.health().ready)
        }
    }

    @Test func shutdownMidBatchLeavesNoItemRunning() async throws {
        let clips = try ["0870", "0890", "0920", "0930"].map { try TestAudio.librivox("sense_and_sensibility_01_austen_64kb-\($0)").audio }
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var jobId = ""
        try await LiveServer.with(worker: true, directory: directory, configure: { $0.worker.shutdownGrace = .zero }) { server in
            let created = try await server.post("/v1/jobs", json: [
                "job_type": "asr",
                "items": clips.enumerated().map { ["id": "clip\($0.offset)", "base64": $0.element.base64EncodedString()] },
            ])
            jobId = try #require(created.json["job_id"] as? String)
            #expect(try await eventually(timeout: .seconds(120), interval: .milliseconds(20)) {
                (try await server.get("/v1/jobs/\(jobId)").json["progress"] as? [String: Int])?["running"] ?? 0 > 0
            })
            await server.server.shutdown()
        }
        let items = try await SQLiteStore.withOpen(path: directory.url.appendingPathComponent("parley.sqlite").path, logger: TestLogger.make()) {
            try await $0.items(jobId: jobId)
        }
        #expect(items.count == 4)
        #expect(items.allSatisfy { $0.status == .queued || $0.status == .succeeded }, "\(items.map(\.status))")
        #expect(items.allSatisfy { $0.leaseOwner == nil })
    }

    @Test func audioURLsToPrivateAddressesFailTheItemOnly() async throws {
        try await LiveServer.with(worker: true) { server in
            let created = try await server.post("/v1/jobs", json: [
                "job_type": "asr",
                "items": [
                    ["id": "loopback", "audio_url": "http://127.0.0.1:\(server.port)/v1/health"],
                    ["id": "metadata", "audio_url": "http://169.254.169.254/latest/meta-data"],
                    ["id": "localhost", "audio_url": "http://localhost:\(server.port)/x.wav"],
                ],
            ])
            let jobId = try #require(created.json["job_id"] as? String)
            let job = try await server.waitForJob(jobId)
            #expect(job["status"] as? String == "failed")
            for item in try #require(job["items"] as? [[String: Any]]) {
                #expect((item["error"] as? [String: Any])?["code"] as? String == "url_forbidden", "\(item)")
            }
        }
    }
}
