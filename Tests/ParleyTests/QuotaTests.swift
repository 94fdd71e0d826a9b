import Foundation
import Testing
@testable import ParleyCore
@testable import ParleyServer

/// Daily quotas: charged when items succeed, and new jobs refused with 429 once used up.
@Suite(.timeLimit(.minutes(5))) struct QuotaTests {
    @Test func usedUpQuotasRefuseNewJobs() async throws {
        try await LiveServer.with(worker: true, configure: { $0.echoDelay = .zero }) { server in
            let created = try await server.post("/v1/auth/token", json: [
                "owner": "metered", "scopes": ["jobs:write", "jobs:read"], "audio_seconds_per_day": 0.05, "characters_per_day": 5,
            ])
            #expect(created.status == 201)
            #expect((created.json["quotas"] as? [String: Any])?["characters_per_day"] as? Int == 5)
            let key = try #require(created.json["key"] as? String)

            // 3,200 bytes are 0.1 s of audio to the echo engine: past the 0.05 s quota once it succeeds.
            let audio = ["job_type": "asr", "items": [["id": "a", "base64": Data(count: 3_200).base64EncodedString()]]] as [String: Any]
            let first = try await server.post("/v1/jobs", json: audio, key: key)
            #expect(first.status == 202)
            _ = try await server.waitForJob(try #require(first.json["job_id"] as? String), key: key, timeout: .seconds(30))
            let refused = try await server.post("/v1/jobs", json: audio, key: key)
            #expect(refused.status == 429 && refused.errorCode == "quota_exceeded" && refused.errorParam == "audio_seconds_per_day")
            let usage = try await server.get("/v1/usage", key: key).json
            #expect((usage["usage"] as? [String: Any])?["audio_seconds"] as? Double == 0.1)
            #expect((usage["quotas"] as? [String: Any])?["audio_seconds_per_day"] as? Double == 0.05)
            #expect(usage["day"] as? String == Usage.day(.now()))
            #expect(try await server.post("/v1/jobs", json: audio).status == 202, "other keys are not affected")

            for (field, bad) in [("audio_seconds_per_day", -1), ("characters_per_day", 0)] {
                let invalid = try await server.post("/v1/auth/token", json: ["owner": "x", "scopes": ["jobs:read"], field: bad])
                #expect(invalid.status == 400 && invalid.errorParam == field)
            }
        }
    }

    @Test func charactersCountAgainstTheTextQuota() async throws {
        try await LiveServer.with(worker: true, configure: { $0.echoDelay = .zero }) { server in
            let created = try await server.post("/v1/auth/token", json: [
                "owner": "texty", "scopes": ["jobs:write", "jobs:read"], "characters_per_day": 5,
            ])
            let key = try #require(created.json["key"] as? String)
            let text = ["job_type": "nmt", "default_src_lng": "en", "default_tgt_lng": "pt",
                        "items": [["id": "t", "text": "hello world"]]] as [String: Any]
            let first = try await server.post("/v1/jobs", json: text, key: key)
            #expect(first.status == 202, "\(first.text)")
            let job = try await server.waitForJob(try #require(first.json["job_id"] as? String), key: key, timeout: .seconds(30))
            #expect(job["status"] as? String == "succeeded", "\(job)")
            let refused = try await server.post("/v1/jobs", json: text, key: key)
            #expect(refused.status == 429 && refused.errorParam == "characters_per_day")
        }
    }
}
