import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ParleyCore
@testable import ParleyServer

/// Hard daily quotas through the API: reserved when a job is accepted (or its audio fetched),
/// refused with 429 before anything is queued, settled as items end.
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

    @Test func aTextJobThatWouldPassTheQuotaIsRefusedBeforeItIsQueued() async throws {
        try await LiveServer.with(worker: true, configure: { $0.echoDelay = .zero }) { server in
            let created = try await server.post("/v1/auth/token", json: [
                "owner": "texty", "scopes": ["jobs:write", "jobs:read"], "characters_per_day": 5,
            ])
            let key = try #require(created.json["key"] as? String)
            func text(_ text: String) -> [String: Any] {
                ["job_type": "nmt", "default_src_lng": "en", "default_tgt_lng": "pt", "items": [["id": "t", "text": text]]]
            }
            let tooLong = try await server.post("/v1/jobs", json: text("hello world"), key: key)
            #expect(tooLong.status == 429 && tooLong.errorParam == "characters_per_day", "\(tooLong.text)")
            #expect(tooLong.errorMessage?.contains("11.0 characters") == true, "\(tooLong.text)")
            #expect((try await server.get("/v1/jobs", key: key).json["data"] as? [Any])?.isEmpty == true, "nothing was queued")
            let first = try await server.post("/v1/jobs", json: text("hello"), key: key)
            #expect(first.status == 202, "\(first.text)")
            let job = try await server.waitForJob(try #require(first.json["job_id"] as? String), key: key, timeout: .seconds(30))
            #expect(job["status"] as? String == "succeeded", "\(job)")
            let usage = try await server.get("/v1/usage", key: key).json["usage"] as? [String: Any]
            #expect(usage?["characters"] as? Int == 5 && usage?["reserved_characters"] as? Int == 0, "\(usage ?? [:])")
            let refused = try await server.post("/v1/jobs", json: text("hi"), key: key)
            #expect(refused.status == 429 && refused.errorParam == "characters_per_day")
        }
    }

    /// No worker runs, so what the first job reserved stays reserved: the refusals do not
    /// depend on how fast anything ends.
    @Test func inlineAudioAndUploadsReserveTheirProbedDuration() async throws {
        try await LiveServer.with(worker: false) { server in
            let created = try await server.post("/v1/auth/token", json: [
                "owner": "metered", "scopes": ["jobs:write", "jobs:read"], "audio_seconds_per_day": 5,
            ])
            let key = try #require(created.json["key"] as? String)
            let upload = try await server.upload(PoisonItemTests.silence(seconds: 3), key: key)
            #expect(upload.status == 201 && upload.json["audio_seconds"] as? Double == 3, "\(upload.text)")
            let uploadId = try #require(upload.json["id"] as? String)
            let twice = try await server.post("/v1/jobs", json: [
                "job_type": "asr", "items": [["id": "a", "upload_id": uploadId], ["id": "b", "upload_id": uploadId]],
            ], key: key)
            #expect(twice.status == 429 && twice.errorParam == "audio_seconds_per_day", "6 s > 5 s: \(twice.text)")
            let once = try await server.post("/v1/jobs", json: ["job_type": "asr", "items": [["id": "a", "upload_id": uploadId]]], key: key)
            #expect(once.status == 202, "\(once.text)")
            let inline = ["job_type": "asr", "items": [["id": "b", "base64": PoisonItemTests.silence(seconds: 3).base64EncodedString()]]] as [String: Any]
            let refused = try await server.post("/v1/jobs", json: inline, key: key)
            #expect(refused.status == 429 && refused.errorParam == "audio_seconds_per_day", "3 s reserved + 3 s > 5 s: \(refused.text)")
            let usage = try await server.get("/v1/usage", key: key).json["usage"] as? [String: Any]
            #expect(usage?["reserved_audio_seconds"] as? Double == 3 && usage?["audio_seconds"] as? Double == 0, "\(usage ?? [:])")
            // Cancelling gives the reservation back.
            _ = try await server.post("/v1/jobs/\(try #require(once.json["job_id"] as? String))/cancel", json: [:], key: key)
            #expect(try await server.post("/v1/jobs", json: inline, key: key).status == 202)
        }
    }

    /// Audio by URL is reserved once fetched: of two 4 s files under a 6 s quota, one runs
    /// and the other fails `quota_exceeded` without reaching the engine.
    @Test func audioByURLIsReservedWhenFetched() async throws {
        let router = Router()
        router.get("/four.wav") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(data: PoisonItemTests.silence(seconds: 4)))) }
        let files = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await files.test(.live) { client in
            let url = "http://127.0.0.1:\(client.port!)/four.wav"
            try await LiveServer.with(worker: true, configure: { $0.echoDelay = .zero; $0.fetchAllowedHosts = ["127.0.0.1"] }) { server in
                let created = try await server.post("/v1/auth/token", json: [
                    "owner": "fetched", "scopes": ["jobs:write", "jobs:read"], "audio_seconds_per_day": 6,
                ])
                let key = try #require(created.json["key"] as? String)
                let accepted = try await server.post("/v1/jobs", json: [
                    "job_type": "asr", "items": [["id": "a", "audio_url": url], ["id": "b", "audio_url": url]],
                ], key: key)
                #expect(accepted.status == 202, "nothing is known of URL audio before it is fetched: \(accepted.text)")
                let job = try await server.waitForJob(try #require(accepted.json["job_id"] as? String), key: key, timeout: .seconds(60))
                let items = PoisonItemTests.items(job).values
                #expect(items.filter { $0["status"] as? String == "succeeded" }.count == 1, "\(job)")
                #expect(items.filter { PoisonItemTests.errorCode($0) == "quota_exceeded" }.count == 1, "\(job)")
                let usage = try await server.get("/v1/usage", key: key).json["usage"] as? [String: Any]
                #expect(abs((usage?["audio_seconds"] as? Double ?? 0) - 4) < 0.01 && usage?["reserved_audio_seconds"] as? Double == 0,
                        "\(usage ?? [:])")
            }
        }
    }
}
