import Foundation
import Testing
@testable import ParleyCore

/// Who spoke when, end to end: jobs of synthesised conversations (exact RTTM references from
/// `engine/tests/conversations.py`) through the real engine and speaker encoder; every output
/// format carries the speakers, RTTM scores under 15% DER with `bench/der.py`, and the job view
/// counts each item's speakers.
@Suite(.timeLimit(.minutes(5)), .serialized) struct DiarizationTests {
    /// The standard conversations, written once per test into `directory`.
    static func conversations(in directory: TemporaryDirectory) async throws -> (String) throws -> Data {
        let python = LiveServer.repositoryRoot.appendingPathComponent("engine/.venv/bin/python").path
        let script = LiveServer.repositoryRoot.appendingPathComponent("engine/tests/conversations.py").path
        let outcome = try await ProcessRunner.run(python, [script, directory.path])
        guard outcome.status == 0 else { throw TestFailure("conversations.py failed: \(outcome.output)") }
        return { name in try Data(contentsOf: directory.url.appendingPathComponent("\(name).wav")) }
    }

    /// `bench/der.py`'s DER of `hypothesis` (RTTM text) against the conversation's reference.
    static func der(_ hypothesis: String, reference name: String, in directory: TemporaryDirectory) async throws -> Double {
        let path = directory.url.appendingPathComponent("\(name).hyp.rttm")
        try Data(hypothesis.utf8).write(to: path)
        let python = LiveServer.repositoryRoot.appendingPathComponent("engine/.venv/bin/python").path
        let tool = LiveServer.repositoryRoot.appendingPathComponent("bench/der.py").path
        let outcome = try await ProcessRunner.run(python, [tool, directory.url.appendingPathComponent("\(name).rttm").path, path.path])
        let line = outcome.output.split(separator: "\n").last.map(String.init) ?? ""
        guard outcome.status == 0, let report = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let der = report["der"] as? Double else { throw TestFailure("der.py: \(outcome.output)") }
        return der
    }

    @Test func conversationsGetTheirSpeakersInEveryFormat() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let audio = try await Self.conversations(in: directory)
        try await LiveServer.with(worker: true) { server in
            let created = try await server.post("/v1/jobs", json: [
                "job_type": "asr", "default_src_lng": "en", "diarize": true, "items": [
                    ["id": "two_voices", "base64": try audio("two_voices").base64EncodedString()],
                    ["id": "three_voices", "base64": try audio("three_voices").base64EncodedString()],
                    ["id": "one_voice", "base64": try audio("one_voice").base64EncodedString()],
                    ["id": "plain", "base64": try audio("one_voice").base64EncodedString(), "diarize": false],
                ],
            ])
            let jobId = try #require(created.json["job_id"] as? String, "\(created.text)")
            let job = try await server.waitForJob(jobId, timeout: .seconds(240))
            #expect(job["status"] as? String == "succeeded", "\(job)")
            let items = job["items"] as? [[String: Any]] ?? []
            let speakers = Dictionary(uniqueKeysWithValues: items.map { ($0["id"] as? String ?? "", $0["speakers"] as? Int ?? -1) })
            #expect(speakers == ["two_voices": 2, "three_voices": 3, "one_voice": 1, "plain": -1], "\(items)")

            for (name, count) in [("two_voices", 2), ("three_voices", 3)] {
                let result = try await server.get("/v1/jobs/\(jobId)/items/\(name)/result").json
                let segments = result["segments"] as? [[String: Any]] ?? []
                #expect(!segments.isEmpty && segments.allSatisfy { ($0["speaker"] as? String)?.hasPrefix("SPEAKER_0") == true }, "\(result)")
                #expect(result["speaker_count"] as? Int == count)
                let rttm = try await server.get("/v1/jobs/\(jobId)/items/\(name)/result?format=rttm")
                #expect(rttm.status == 200 && rttm.text.hasPrefix("SPEAKER \(name) 1 "), "\(rttm.text)")
                let der = try await Self.der(rttm.text, reference: name, in: directory)
                #expect(der < 0.15, "\(name): DER \(der)")
            }
            let srt = try await server.get("/v1/jobs/\(jobId)/items/two_voices/result?format=srt").text
            #expect(srt.contains("[SPEAKER_00] ") && srt.contains("[SPEAKER_01] "), "\(srt)")
            let vtt = try await server.get("/v1/jobs/\(jobId)/items/two_voices/result?format=vtt").text
            #expect(vtt.contains("<v SPEAKER_00>") && vtt.contains("<v SPEAKER_01>"), "\(vtt)")
            let text = try await server.get("/v1/jobs/\(jobId)/items/two_voices/result?format=text").text
            #expect(text.hasPrefix("[SPEAKER_00] "), "\(text)")
            let verbose = try await server.get("/v1/jobs/\(jobId)/items/two_voices/result?format=verbose_json").json
            #expect((verbose["segments"] as? [[String: Any]])?.allSatisfy { $0["speaker"] is String } == true)

            let plain = try await server.get("/v1/jobs/\(jobId)/items/plain/result").json
            #expect(plain["speaker_count"] == nil && (plain["segments"] as? [[String: Any]])?.allSatisfy { $0["speaker"] == nil } == true)
            let notDiarized = try await server.get("/v1/jobs/\(jobId)/items/plain/result?format=rttm")
            #expect(notDiarized.status == 400 && notDiarized.errorCode == "not_diarized" && notDiarized.errorParam == "format")
            let archive = try await server.get("/v1/jobs/\(jobId)/results.zip?format=rttm")
            #expect(archive.status == 200 && archive.text.contains("not_diarized"), "the undiarized item is listed, not fatal")
        }
    }

    @Test func translatedSegmentsAndWordsKeepTheirSpeaker() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let audio = try await Self.conversations(in: directory)
        try await LiveServer.with(worker: true) { server in
            let created = try await server.post("/v1/jobs", json: [
                "job_type": "asr+nmt", "default_src_lng": "en", "default_tgt_lng": "pt", "word_timestamps": true,
                "items": [["id": "two", "base64": try audio("two_voices").base64EncodedString(), "diarize": true, "num_speakers": 2]],
            ])
            let jobId = try #require(created.json["job_id"] as? String, "\(created.text)")
            #expect(try await server.waitForJob(jobId, timeout: .seconds(240))["status"] as? String == "succeeded")
            let result = try await server.get("/v1/jobs/\(jobId)/items/two/result").json
            let segments = result["segments"] as? [[String: Any]] ?? []
            let words = segments.flatMap { $0["words"] as? [[String: Any]] ?? [] }
            #expect(!words.isEmpty && words.allSatisfy { $0["speaker"] is String }, "\(segments)")
            let translation = try #require(result["translation"] as? [String: Any], "\(result)")
            let translated = translation["segments"] as? [[String: Any]] ?? []
            #expect(translated.count == segments.count)
            #expect(zip(translated, segments).allSatisfy { ($0["speaker"] as? String) == ($1["speaker"] as? String) }, "\(translated)")
        }
    }
}
