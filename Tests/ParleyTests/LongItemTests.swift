import Foundation
import Testing
import ParleyServer

/// A long item streams through the engine in pieces and reports progress after each, so its
/// call runs past the engine deadline as long as it keeps making progress (real Whisper model).
@Suite(.serialized, .timeLimit(.minutes(5))) struct LongItemTests {
    @Test func aLongItemThatKeepsReportingProgressOutlivesTheCallDeadline() async throws {
        // 11 minutes of silence stream as three pieces; each takes 15 s more (an injected delay),
        // so the call lasts over its 40 s deadline while no gap between signs of life comes near
        // it (the margin is wide: the suite loads a dozen engines at once on 2 cores).
        let long = PoisonItemTests.silence(seconds: 660)
        let clip = try TestAudio.librivox("sense_and_sensibility_01_austen_64kb-0880").audio
        try await LiveServer.with(worker: true, configure: {
            $0.engine.environment["PARLEY_ENGINE_FAULT_PIECE_DELAY"] = "15"
            $0.engine.callTimeout = .seconds(40)
            $0.engine.processesPerModel = 1
        }) { server in
            let started = ContinuousClock.now
            let created = try await server.post("/v1/jobs", json: ["job_type": "asr", "items": [
                ["id": "long", "base64": long.base64EncodedString()],
                ["id": "speech", "base64": clip.base64EncodedString(), "src_lng": "en"],
            ]])
            let jobId = try #require(created.json["job_id"] as? String, "\(created.text)")
            let job = try await server.waitForJob(jobId, timeout: .seconds(200))
            let items = PoisonItemTests.items(job)
            #expect(job["status"] as? String == "succeeded", "\(job)")
            #expect(items["long"]?["attempts"] as? Int == 1, "the call was not cut off: \(items["long"] ?? [:])")
            #expect(ContinuousClock.now - started > .seconds(45), "the call ran past its deadline")
            let result = try await server.get("/v1/jobs/\(jobId)/items/long/result").json
            #expect(result["text"] as? String == "" && result["no_speech"] as? Bool == true, "\(result)")
            #expect((result["duration"] as? Double).map { abs($0 - 660) < 0.1 } == true, "\(result)")
            let speech = try await server.get("/v1/jobs/\(jobId)/items/speech/result").json
            #expect((speech["text"] as? String ?? "").lowercased().contains("young man"), "\(speech)")
        }
    }
}
