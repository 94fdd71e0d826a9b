import Foundation
import Testing
@testable import ParleyServer

/// Translation through the real engines: Bergamot en<->pt, Whisper's speech-to-English, routing and detection.
extension EndToEndTests {
    static func items(_ job: [String: Any]) -> [String: [String: Any]] {
        Dictionary(uniqueKeysWithValues: (job["items"] as? [[String: Any]] ?? []).map { ($0["id"] as? String ?? "", $0) })
    }

    static func errorCode(_ item: [String: Any]?) -> String? {
        (item?["error"] as? [String: Any])?["code"] as? String
    }

    @Test func textItemsTranslateThroughBergamotAndMissingPairsFail() async throws {
        try await LiveServer.with(worker: true) { server in
            let created = try await server.post("/v1/jobs", json: [
                "job_type": "nmt",
                "items": [
                    ["id": "en-pt", "text": "The cat is on the table.", "src_lng": "en", "tgt_lng": "pt"],
                    ["id": "pt-en", "text": "O gato está na mesa.", "src_lng": "pt", "tgt_lng": "en"],
                    ["id": "en-hi", "text": "The cat is on the table.", "src_lng": "en", "tgt_lng": "hi"],
                ],
            ])
            let jobId = try #require(created.json["job_id"] as? String)
            let job = try await server.waitForJob(jobId)
            #expect(job["status"] as? String == "completed_with_errors")
            let items = Self.items(job)
            #expect(Self.errorCode(items["en-hi"]) == "unsupported_language_pair")
            let message = (items["en-hi"]?["error"] as? [String: Any])?["message"] as? String
            #expect(message?.contains("en->hi") == true)

            let pt = try await server.get("/v1/jobs/\(jobId)/items/en-pt/result").json
            let ptText = ((pt["translation"] as? [String: Any])?["text"] as? String ?? "").lowercased()
            #expect(ptText.contains("gato") && ptText.contains("mesa"), "\(pt)")
            #expect((pt["translation"] as? [String: Any])?["model"] as? String == "bergamot")
            let stream = try await server.request(.GET, "/v1/jobs/\(jobId)/results", headers: ["Accept": "application/x-ndjson"])
            #expect(stream.headers["content-type"] == "application/x-ndjson")
            let lines = stream.text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(lines.map { $0["id"] as? String } == ["en-pt", "pt-en", "en-hi"])
            #expect(lines.map { $0["status"] as? String } == ["succeeded", "succeeded", "failed"])
            let en = try await server.get("/v1/jobs/\(jobId)/items/pt-en/result").json
            let enText = ((en["translation"] as? [String: Any])?["text"] as? String ?? "").lowercased()
            #expect(enText.contains("cat") && enText.contains("table"), "\(en)")
        }
    }

    @Test func mixedLanguageBatchRoutesEachItemByItsOwnLanguage() async throws {
        try await LiveServer.with(worker: true) { server in
            let created = try await server.post("/v1/jobs", json: [
                "job_type": "nmt", "default_tgt_lng": "pt",
                "items": [
                    ["id": "english", "text": "The weather is very nice today and we are going to the park."],
                    ["id": "portuguese", "text": "O tempo está muito bom hoje e nós vamos ao parque."],
                    ["id": "german", "text": "Das Wetter ist heute sehr schön und wir gehen in den Park."],
                ],
            ])
            let job = try await server.waitForJob(try #require(created.json["job_id"] as? String))
            let items = Self.items(job)
            #expect(items["english"]?["detected_language"] as? String == "en")
            #expect(items["english"]?["status"] as? String == "succeeded")
            #expect(items["portuguese"]?["detected_language"] as? String == "pt")
            #expect(items["portuguese"]?["status"] as? String == "succeeded", "pt->pt needs no model")
            #expect(Self.errorCode(items["german"]) == "unsupported_language_pair", "de->pt has no model: \(items)")
            #expect(job["status"] as? String == "completed_with_errors")
        }
    }

    @Test func speechToPortugueseThenGermanSpeechToEnglish() async throws {
        let english = try TestAudio.librivox("sense_and_sensibility_01_austen_64kb-0880")
        let german = try await TestAudio.espeak("Guten Morgen. Wie geht es dir heute?", voice: "de")
        try await LiveServer.with(worker: true) { server in
            let created = try await server.post("/v1/jobs", json: [
                "job_type": "asr+nmt",
                "items": [
                    ["id": "en-pt", "base64": english.audio.base64EncodedString(), "tgt_lng": "pt"],
                    ["id": "de-en", "base64": german.base64EncodedString(), "tgt_lng": "en"],
                    ["id": "de-pt", "base64": german.base64EncodedString(), "tgt_lng": "pt"],
                ],
            ])
            let jobId = try #require(created.json["job_id"] as? String)
            let job = try await server.waitForJob(jobId)
            #expect(Self.errorCode(Self.items(job)["de-pt"]) == "unsupported_language_pair")

            let enPt = try await server.get("/v1/jobs/\(jobId)/items/en-pt/result").json
            #expect((enPt["text"] as? String ?? "").lowercased().contains("young man"))
            #expect((enPt["segments"] as? [Any])?.isEmpty == false)
            let translation = try #require(enPt["translation"] as? [String: Any])
            #expect(translation["language"] as? String == "pt" && translation["model"] as? String == "bergamot")
            #expect(!(translation["text"] as? String ?? "").isEmpty)
            #expect((translation["segments"] as? [Any])?.count == (enPt["segments"] as? [Any])?.count)

            let deEn = try await server.get("/v1/jobs/\(jobId)/items/de-en/result").json
            #expect(deEn["language"] as? String == "de")
            let whisper = try #require(deEn["translation"] as? [String: Any])
            #expect(whisper["language"] as? String == "en")
            #expect((whisper["model"] as? String ?? "").hasSuffix(":translate"), "no de->en text model, so Whisper translates")
            #expect(!(whisper["text"] as? String ?? "").isEmpty)
        }
    }

    @Test func languagesListWhatTheDeploymentServes() async throws {
        try await LiveServer.with(worker: true) { server in
            #expect(try await eventually(timeout: .seconds(120)) { server.server.engine?.health().ready == true })
            let languages = try await server.get("/v1/languages").json
            let asr = try #require((languages["asr"] as? [[String: Any]])?.first)
            #expect(asr["model"] as? String == "whisper-base")
            #expect((asr["languages"] as? [String])?.count == 100)
            let pairs = try #require(languages["translation"] as? [[String: Any]])
            #expect(pairs.contains { $0["source"] as? String == "en" && $0["target"] as? String == "pt" && $0["kind"] as? String == "direct" })
            #expect(pairs.contains { $0["source"] as? String == "pt" && $0["target"] as? String == "en" })
            let speech = try #require(languages["speech_translation"] as? [[String: String]])
            func route(_ source: String, _ target: String) -> String? {
                speech.first { $0["source"] == source && $0["target"] == target }?["route"]
            }
            #expect(route("en", "pt") == "text_model")
            #expect(route("de", "en") == "whisper_translate", "no de->en text model")
            #expect(route("pt", "pt") == "identity")
            #expect(route("de", "pt") == nil, "no model serves de->pt")
        }
    }
}
