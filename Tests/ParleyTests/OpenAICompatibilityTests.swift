import Foundation
import NIOCore
import Testing
@testable import ParleyAPI
@testable import ParleyCore

/// `POST /v1/audio/transcriptions` and `/translations`, driven by the official `openai` package
/// against the real Whisper model.
@Suite(.timeLimit(.minutes(5))) struct OpenAICompatibilityTests {
    @Test func theOfficialClientGetsEveryResponseFormat() async throws {
        let english = try TestAudio.librivox("sense_and_sensibility_01_austen_64kb-0880")
        let german = try await TestAudio.espeak("Guten Morgen. Wie geht es dir heute?", voice: "de")
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let englishPath = directory.url.appendingPathComponent("en.wav")
        let germanPath = directory.url.appendingPathComponent("de.wav")
        try english.audio.write(to: englishPath)
        try german.write(to: germanPath)
        let audio = try await DiarizationTests.conversations(in: directory)
        let conversationPath = directory.url.appendingPathComponent("two_voices.wav")
        _ = try audio("two_voices")
        try await LiveServer.with(worker: true) { server in
            let script = LiveServer.repositoryRoot.appendingPathComponent("scripts/openai_client.py").path
            let python = LiveServer.repositoryRoot.appendingPathComponent(".venv-tools/bin/python").path
            let outcome = try await ProcessRunner.run(
                python, [script, "http://127.0.0.1:\(server.port)/v1", LiveServer.adminKey, englishPath.path, germanPath.path,
                         conversationPath.path])
            #expect(outcome.status == 0, "\(outcome.output)")
            let line = outcome.output.split(separator: "\n").last.map(String.init) ?? ""
            let out = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(outcome.output)")

            let json = try #require(out["json"] as? [String: Any])
            let text = try #require(json["text"] as? String)
            #expect(WordErrorRate.rate(reference: english.reference, hypothesis: text) < 0.25, "\(text)")
            #expect((out["text"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines) == text)
            let srt = try #require(out["srt"] as? String)
            #expect(srt.hasPrefix("1\n00:00:00,000 --> 00:00:0") && srt.contains(text.split(separator: " ").first ?? "-"), "\(srt)")
            #expect((out["vtt"] as? String)?.hasPrefix("WEBVTT\n\n00:00:00.000 --> ") == true)
            let verbose = try #require(out["verbose_json"] as? [String: Any])
            #expect(verbose["language"] as? String == "en" && (verbose["duration"] as? Double ?? 0) > 2)
            #expect((verbose["segments"] as? [[String: Any]])?.isEmpty == false)
            #expect(verbose["words"] == nil || verbose["words"] is NSNull, "words only when asked for")

            let worded = try #require(out["words"] as? [String: Any])
            let words = try #require(worded["words"] as? [[String: Any]])
            #expect(words.count >= 6)
            let starts = words.compactMap { $0["start"] as? Double }
            #expect(starts == starts.sorted() && starts.count == words.count, "word times run forward")

            let translation = try #require(out["translation"] as? [String: Any])
            #expect((translation["text"] as? String)?.lowercased().contains("good morning") == true, "\(translation)")

            let garbage = try #require(out["garbage"] as? [String: Any])
            #expect(garbage["error_status"] as? Int == 400, "\(garbage)")
            #expect(((garbage["error_body"] as? [String: Any])?["code"] as? String) == "invalid_audio", "\(garbage)")
            let badFormat = try #require(out["bad_format"] as? [String: Any])
            #expect(badFormat["error_status"] as? Int == 400 && (badFormat["error_body"] as? [String: Any])?["param"] as? String == "response_format")
            #expect((out["bad_key"] as? [String: Any])?["error_status"] as? Int == 401)

            let diarized = try #require(out["diarized"] as? [String: Any])
            let turns = diarized["segments"] as? [[String: Any]] ?? []
            #expect(diarized["task"] as? String == "transcribe" && !turns.isEmpty, "\(diarized)")
            #expect(Set(turns.compactMap { $0["speaker"] as? String }) == ["SPEAKER_00", "SPEAKER_01"], "\(turns)")
            #expect(turns.allSatisfy { $0["type"] as? String == "transcript.text.segment" && $0["start"] is Double })
            let one = (out["diarized_one"] as? [String: Any])?["segments"] as? [[String: Any]] ?? []
            #expect(!one.isEmpty && Set(one.compactMap { $0["speaker"] as? String }) == ["SPEAKER_00"], "num_speakers through extra_body")
            #expect((out["diarized_srt"] as? String)?.contains("[SPEAKER_01] ") == true, "\(out["diarized_srt"] ?? "")")

            let jobs = try await server.get("/v1/jobs").json["data"] as? [[String: Any]] ?? []
            #expect(jobs.allSatisfy { $0["priority"] as? Int == ClaimShare.synchronousPriority }, "synchronous requests run at the top priority")
        }
    }

    @Test func batchItemsComeInEveryFormatWithWordsWhenAsked() async throws {
        let clip = try TestAudio.librivox("sense_and_sensibility_01_austen_64kb-0880")
        try await LiveServer.with(worker: true) { server in
            let created = try await server.post("/v1/jobs", json: [
                "job_type": "asr", "word_timestamps": true, "items": [["id": "c", "base64": clip.audio.base64EncodedString()]],
            ])
            let jobId = try #require(created.json["job_id"] as? String, "\(created.text)")
            #expect(try await server.waitForJob(jobId)["status"] as? String == "succeeded")
            let verbose = try await server.get("/v1/jobs/\(jobId)/items/c/result?format=verbose_json").json
            #expect((verbose["words"] as? [[String: Any]])?.count ?? 0 >= 6, "\(verbose)")
            let tsv = try await server.get("/v1/jobs/\(jobId)/items/c/result?format=tsv")
            #expect(tsv.status == 200 && tsv.text.hasPrefix("start\tend\ttext\n0\t"), "\(tsv.text)")
            #expect(tsv.headers["content-type"]?.hasPrefix("text/tab-separated-values") == true)
            let bad = try await server.get("/v1/jobs/\(jobId)/items/c/result?format=docx")
            #expect(bad.status == 400 && bad.errorParam == "format")
        }
    }

    @Test func formFieldsAreCheckedOneByOne() throws {
        func form(_ fields: [(String, String)], file: String? = "audio") -> MultipartForm {
            var parts = fields.map { MultipartForm.Part(name: $0.0, filename: nil, contentType: nil, body: .init(string: $0.1)) }
            if let file { parts.append(MultipartForm.Part(name: "file", filename: "a.wav", contentType: "audio/wav", body: .init(string: file))) }
            return MultipartForm(parts: parts)
        }
        func param(_ form: MultipartForm, task: String = "transcribe") -> String? {
            do {
                _ = try OpenAIAudioRequest(form, task: task, maxBytes: 10)
                return nil
            } catch let error as ParleyError {
                return error.param ?? error.code
            } catch {
                return "\(error)"
            }
        }
        #expect(param(form([("model", "whisper-1")], file: nil)) == "file")
        #expect(param(form([("model", "whisper-1")], file: "")) == "file")
        #expect(param(form([("model", "whisper-1")], file: String(repeating: "x", count: 11))) == "file")
        #expect(param(form([])) == "model")
        #expect(param(form([("model", "m"), ("language", "klingon")])) == "language")
        #expect(param(form([("model", "m"), ("language", "klingon")]), task: "translate") == nil, "translations take no language")
        #expect(param(form([("model", "m"), ("response_format", "docx")])) == "response_format")
        #expect(param(form([("model", "m"), ("temperature", "1.5")])) == "temperature")
        #expect(param(form([("model", "m"), ("temperature", "warm")])) == "temperature")
        #expect(param(form([("model", "m"), ("timestamp_granularities[]", "word")])) == "timestamp_granularities[]")
        #expect(param(form([("model", "m"), ("timestamp_granularities[]", "char"), ("response_format", "verbose_json")])) == "timestamp_granularities[]")
        let good = try OpenAIAudioRequest(
            form([("model", "m"), ("language", "EN"), ("response_format", "verbose_json"), ("temperature", "0.2"),
                  ("timestamp_granularities[]", "word"), ("timestamp_granularities[]", "segment"), ("prompt", "Hi")]),
            task: "transcribe", maxBytes: 10)
        #expect(good.language == "en" && good.format == .verboseJSON)
        #expect(good.options == ItemOptions(prompt: "Hi", temperature: 0.2, wordTimestamps: true))
        let translate = try OpenAIAudioRequest(form([("model", "m")]), task: "translate", maxBytes: 10)
        #expect(translate.options.task == "translate" && translate.format == .json)
        #expect(param(form([("model", "m"), ("diarize", "maybe")])) == "diarize")
        #expect(param(form([("model", "m"), ("num_speakers", "2")])) == "diarize", "a count needs diarization")
        #expect(param(form([("model", "m"), ("diarize", "true"), ("num_speakers", "two")])) == "num_speakers")
        #expect(param(form([("model", "m"), ("response_format", "diarized_json"), ("max_speakers", "99")])) == "max_speakers")
        #expect(param(form([("model", "m"), ("response_format", "diarized_json"), ("diarize", "false")])) == "response_format")
        #expect(param(form([("model", "m"), ("response_format", "diarized_json")]), task: "translate") == "response_format")
        let diarized = try OpenAIAudioRequest(
            form([("model", "m"), ("response_format", "diarized_json"), ("min_speakers", "2"), ("chunking_strategy", "auto")]),
            task: "transcribe", maxBytes: 10)
        #expect(diarized.options == ItemOptions(diarize: true, minSpeakers: 2) && diarized.format == .diarizedJSON)
    }

    @Test func multipartBodiesParse() throws {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n"
            + "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a b.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n\r\ndata\r\n"
            + "--XyZ--\r\n"
        let form = try MultipartForm.parse(.init(string: body), contentType: "multipart/form-data; boundary=\"XyZ\"")
        #expect(form.text("model") == "whisper-1")
        #expect(form.part("file")?.filename == "a b.wav" && form.part("file")?.contentType == "audio/wav")
        #expect(form.part("file")?.text == "RIFF\r\n\r\ndata")
        // A part is a slice of the body's own storage: parsing copies nothing.
        let buffer = ByteBuffer(string: body)
        let file = try #require(try MultipartForm.parse(buffer, contentType: "multipart/form-data; boundary=XyZ").part("file"))
        let (start, end) = buffer.withUnsafeReadableBytes { (UInt(bitPattern: $0.baseAddress), UInt(bitPattern: $0.baseAddress) + UInt($0.count)) }
        let part = file.body.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(part > start && part < end)
        #expect(throws: ParleyError.self) { try MultipartForm.parse(.init(string: body), contentType: "application/json") }
        #expect(throws: ParleyError.self) { try MultipartForm.parse(.init(string: body), contentType: "multipart/form-data") }
        let other = try MultipartForm.parse(
            .init(string: "preamble\r\n--b \r\n\r\nno headers\r\n--b\r\ncontent-disposition: form-data; name=x\r\n\r\n\r\n--b--"),
            contentType: "multipart/form-data; boundary=b")
        #expect(other.parts.map(\.name) == ["", "x"] && other.parts.map(\.text) == ["no headers", ""])
    }

    @Test(arguments: [
        "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nno closing delimiter",
        "--b\r\nno colon here\r\n\r\nx\r\n--b--",
        "--b\r\nBad Name: x\r\n\r\nx\r\n--b--",
        "--b\r\n\u{e9}\u{ff}: x\r\n\r\nx\r\n--b--",
        "--b junk\r\n\r\nx\r\n--b--",
        "--b\r\nName: x",
        "no delimiter at all",
        "",
    ])
    func malformedMultipartBodiesAre400s(body: String) {
        #expect(throws: ParleyError.self) { try MultipartForm.parse(.init(string: body), contentType: "multipart/form-data; boundary=b") }
    }

    @Test func headerNamesWithHighBytesNeverTrap() {
        // multipart-kit 4.7.1 traps on these (index out of range); the form parser here refuses them.
        for byte in UInt8(128)...UInt8(255) {
            let body = Array("--b\r\n".utf8) + [byte] + Array(": x\r\n\r\nx\r\n--b--".utf8)
            #expect(throws: ParleyError.self) { try MultipartForm.parse(ByteBuffer(bytes: body), boundary: Array("--b".utf8)) }
        }
    }
}
