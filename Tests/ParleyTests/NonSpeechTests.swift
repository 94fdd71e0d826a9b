import Foundation
import Testing

/// Silence, noise and music become no text, on the jobs API and the OpenAI-compatible endpoints
/// alike, and speech framed by music keeps its speech: the synthesised set of
/// `engine/tests/nonspeech.py`, through the real Whisper model.
@Suite(.serialized, .timeLimit(.minutes(5))) struct NonSpeechTests {
    /// Every clip of the set as WAV bytes, by name; names starting with `speech_` hold speech.
    static func clips() async throws -> [String: Data] {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let python = LiveServer.repositoryRoot.appendingPathComponent("engine/.venv/bin/python").path
        let script = LiveServer.repositoryRoot.appendingPathComponent("engine/tests/nonspeech.py").path
        let made = try await ProcessRunner.run(python, [script, directory.path])
        guard made.status == 0 else { throw TestFailure("nonspeech.py failed: \(made.output)") }
        var clips: [String: Data] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".wav") {
            clips[String(file.dropLast(4))] = try Data(contentsOf: directory.url.appendingPathComponent(file))
        }
        return clips
    }

    @Test func jobsReturnNoTextForNonSpeechAndKeepSpeech() async throws {
        let clips = try await Self.clips()
        #expect(clips.count >= 10)
        try await LiveServer.with(worker: true) { server in
            let created = try await server.post("/v1/jobs", json: [
                "job_type": "asr", "items": clips.map { ["id": $0.key, "base64": $0.value.base64EncodedString()] },
            ])
            let jobId = try #require(created.json["job_id"] as? String, "\(created.text)")
            let job = try await server.waitForJob(jobId, timeout: .seconds(240))
            #expect(job["status"] as? String == "succeeded", "\(job)")
            for name in clips.keys.sorted() {
                let result = try await server.get("/v1/jobs/\(jobId)/items/\(name)/result").json
                let text = result["text"] as? String ?? "?"
                if name.hasPrefix("speech_") {
                    #expect(text.lowercased().replacingOccurrences(of: "-", with: " ").contains("ill disposed young man"), "\(name): \(text)")
                    let segments = result["segments"] as? [[String: Any]] ?? []
                    #expect(!segments.isEmpty && segments.allSatisfy { ($0["avg_logprob"] as? Double ?? 0) < 0 && $0["no_speech_prob"] is Double && $0["compression_ratio"] is Double },
                            "\(name): every segment carries its confidence: \(segments)")
                    #expect(result["no_speech"] as? Bool == false && (result["speech_seconds"] as? Double ?? 0) > 2)
                } else {
                    #expect(text.isEmpty && (result["segments"] as? [Any])?.isEmpty == true, "\(name) invented: \(text)")
                    #expect(result["language"] is NSNull, "\(name) claims no language: \(result["language"] ?? "absent")")
                    #expect(result["no_speech"] is Bool && result["speech_seconds"] is Double, "\(name): \(result)")
                }
            }
            let silent = try await server.get("/v1/jobs/\(jobId)/items/digital_silence/result?format=srt")
            #expect(silent.status == 200 && silent.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(silent.text)")
        }
    }

    @Test func openAIEndpointsReturnNoTextForSilenceAndMusic() async throws {
        let clips = try await Self.clips()
        try await LiveServer.with(worker: true) { server in
            for name in ["digital_silence", "white_noise", "music_with_beat"] {
                for route in ["transcriptions", "translations"] {
                    let response = try await Self.openAI(server, route: route, audio: try #require(clips[name]))
                    #expect(response.status == 200, "\(route) \(name): \(response.text)")
                    #expect((response.json["text"] as? String) == "", "\(route) \(name) invented: \(response.text)")
                    #expect((response.json["segments"] as? [Any])?.isEmpty == true)
                }
            }
        }
    }

    /// One `verbose_json` request to `/v1/audio/<route>`, as a multipart form.
    static func openAI(_ server: LiveServer, route: String, audio: Data) async throws -> TestResponse {
        let boundary = "parley-\(UUID().uuidString)"
        var body = Data()
        func field(_ name: String, _ value: String) {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"clip.wav\"\r\nContent-Type: audio/wav\r\n\r\n".utf8))
        body.append(audio)
        body.append(Data("\r\n".utf8))
        field("model", "whisper-1")
        field("response_format", "verbose_json")
        body.append(Data("--\(boundary)--\r\n".utf8))
        return try await server.request(.POST, "/v1/audio/\(route)", body: body,
                                        headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
    }
}
