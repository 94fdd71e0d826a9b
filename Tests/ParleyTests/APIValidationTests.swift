import Foundation
import Testing
@testable import ParleyServer

/// Every client mistake answers a 4xx JSON error with a stable code, never a 500.
@Suite(.timeLimit(.minutes(5))) struct APIValidationTests {
    static let audio = Data("RIFF....WAVEfmt fake audio bytes".utf8).base64EncodedString()

    static let cases: [(name: String, body: String, status: Int, code: String, param: String?)] = [
        ("malformed JSON", #"{"job_type": "asr", "items": ["#, 400, "invalid_json", nil),
        ("empty body", "", 400, "invalid_json", nil),
        ("not an object", #"[1, 2]"#, 400, "invalid_json", nil),
        ("missing job_type", #"{"items": [{"id": "a", "base64": "\#(audio)"}]}"#, 400, "missing_field", "job_type"),
        ("unknown job_type", #"{"job_type": "ocr", "items": [{"id": "a", "base64": "\#(audio)"}]}"#, 400, "invalid_value", "job_type"),
        ("missing items", #"{"job_type": "asr"}"#, 400, "missing_field", "items"),
        ("empty items", #"{"job_type": "asr", "items": []}"#, 400, "invalid_value", "items"),
        ("items of wrong type", #"{"job_type": "asr", "items": "a"}"#, 400, "invalid_value", "items"),
        ("id of wrong type", #"{"job_type": "asr", "items": [{"id": 7, "base64": "\#(audio)"}]}"#, 400, "invalid_value", "items[0].id"),
        ("missing item id", #"{"job_type": "asr", "items": [{"base64": "\#(audio)"}]}"#, 400, "missing_field", "items[0].id"),
        ("bad item id", #"{"job_type": "asr", "items": [{"id": "a b/c", "base64": "\#(audio)"}]}"#, 400, "invalid_value", "items[0].id"),
        ("both inputs", #"{"job_type": "asr", "items": [{"id": "a", "base64": "\#(audio)", "audio_url": "https://example.com/a.wav"}]}"#, 400, "invalid_input", "items[0]"),
        ("neither input", #"{"job_type": "asr", "items": [{"id": "a"}]}"#, 400, "invalid_input", "items[0]"),
        ("text on asr", #"{"job_type": "asr", "items": [{"id": "a", "text": "hello"}]}"#, 400, "invalid_input", "items[0]"),
        ("audio on nmt", #"{"job_type": "nmt", "default_tgt_lng": "pt", "items": [{"id": "a", "base64": "\#(audio)"}]}"#, 400, "invalid_input", "items[0]"),
        ("nmt without target", #"{"job_type": "nmt", "items": [{"id": "a", "text": "hello"}]}"#, 400, "missing_field", "items[0].tgt_lng"),
        ("duplicate ids", #"{"job_type": "asr", "items": [{"id": "a", "base64": "\#(audio)"}, {"id": "a", "base64": "\#(audio)"}]}"#, 400, "duplicate_item_id", "items[1].id"),
        ("too many items", #"{"job_type": "asr", "items": [{"id": "a", "base64": "x"}, {"id": "b", "base64": "x"}, {"id": "c", "base64": "x"}, {"id": "d", "base64": "x"}]}"#, 400, "too_many_items", "items"),
        ("invalid base64", #"{"job_type": "asr", "items": [{"id": "a", "base64": "not base64 at all!!"}]}"#, 400, "invalid_base64", "items[0].base64"),
        ("empty base64", #"{"job_type": "asr", "items": [{"id": "a", "base64": ""}]}"#, 400, "invalid_base64", "items[0].base64"),
        ("bad audio_url", #"{"job_type": "asr", "items": [{"id": "a", "audio_url": "file:///etc/passwd"}]}"#, 400, "invalid_value", "items[0].audio_url"),
        ("unknown item language", #"{"job_type": "asr", "items": [{"id": "a", "base64": "\#(audio)", "src_lng": "klingon"}]}"#, 400, "unknown_language", "items[0].src_lng"),
        ("unknown default language", #"{"job_type": "asr+nmt", "default_tgt_lng": "xx", "items": [{"id": "a", "base64": "\#(audio)"}]}"#, 400, "unknown_language", "default_tgt_lng"),
        ("priority out of range", #"{"job_type": "asr", "priority": 10, "items": [{"id": "a", "base64": "\#(audio)"}]}"#, 400, "invalid_value", "priority"),
        ("priority of wrong type", #"{"job_type": "asr", "priority": "high", "items": [{"id": "a", "base64": "\#(audio)"}]}"#, 400, "invalid_value", "priority"),
        ("num_speakers out of range", #"{"job_type": "asr", "diarize": true, "num_speakers": 0, "items": [{"id": "a", "base64": "\#(audio)"}]}"#, 400, "invalid_value", "num_speakers"),
        ("speaker count without diarize", #"{"job_type": "asr", "max_speakers": 3, "items": [{"id": "a", "base64": "\#(audio)"}]}"#, 400, "invalid_value", "diarize"),
        ("min over max", #"{"job_type": "asr", "diarize": true, "items": [{"id": "a", "base64": "\#(audio)", "min_speakers": 4, "max_speakers": 2}]}"#, 400, "invalid_value", "items[0].min_speakers"),
        ("num with bounds", #"{"job_type": "asr", "diarize": true, "num_speakers": 2, "items": [{"id": "a", "base64": "\#(audio)", "max_speakers": 3}]}"#, 400, "invalid_value", "items[0].num_speakers"),
        ("diarize on text", #"{"job_type": "nmt", "default_tgt_lng": "pt", "diarize": true, "items": [{"id": "a", "text": "hello"}]}"#, 400, "invalid_value", "diarize"),
        ("diarize of wrong type", #"{"job_type": "asr", "items": [{"id": "a", "base64": "\#(audio)", "diarize": "yes"}]}"#, 400, "invalid_value", "items[0].diarize"),
        ("body over the limit", #"{"job_type": "asr", "items": [{"id": "a", "base64": "\#(String(repeating: "A", count: 5_000))"}]}"#, 413, "body_too_large", nil),
    ]

    @Test func everyBadInputAnswersItsCode() async throws {
        try await LiveServer.with(worker: false, configure: {
            $0.api.maxItems = 3
            $0.api.maxBodyBytes = 4_096
        }) { server in
            for c in Self.cases {
                let response = try await server.request(.POST, "/v1/jobs", body: Data(c.body.utf8))
                #expect(response.status == c.status, "\(c.name): \(response.status) \(response.text)")
                #expect(response.errorCode == c.code, "\(c.name): \(response.text)")
                #expect(response.errorParam == c.param, "\(c.name): \(response.text)")
                let error = try #require(response.json["error"] as? [String: Any], "\(c.name)")
                #expect(Set(error.keys) == ["code", "message", "param"], "\(c.name)")
                #expect(response.headers["content-type"] == "application/json")
            }
            let jobs = try await server.get("/v1/jobs").json["data"] as? [Any]
            #expect(jobs?.isEmpty == true, "no bad request stored a job")
        }
    }

    @Test func otherRequestErrorsAreJSONToo() async throws {
        try await LiveServer.with(worker: false) { server in
            let unknownRoute = try await server.get("/v1/nothing")
            #expect(unknownRoute.status == 404 && unknownRoute.errorCode == "not_found")
            let unknownJob = try await server.get("/v1/jobs/job_missing")
            #expect(unknownJob.status == 404 && unknownJob.errorCode == "not_found")
            let badLimit = try await server.get("/v1/jobs?limit=0")
            #expect(badLimit.status == 400 && badLimit.errorParam == "limit")
            let badCursor = try await server.get("/v1/jobs?cursor=!!!")
            #expect(badCursor.status == 400 && badCursor.errorParam == "cursor")
            let badKeyBody = try await server.post("/v1/auth/token", json: ["owner": "x", "scopes": ["root"]])
            #expect(badKeyBody.status == 400 && badKeyBody.errorParam == "scopes[0]")
            #expect(try await server.get("/v1/health", key: nil).status == 200)
            #expect(try await server.get("/v1/ready", key: nil).status == 200, "no engine in an API-only server")
        }
    }
}
