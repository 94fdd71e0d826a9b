import Foundation
import Testing
@testable import ParleyBlobs
@testable import ParleyServer

/// `POST /v1/uploads` streams audio into the blob store; items name it by `upload_id`.
@Suite(.timeLimit(.minutes(5))) struct UploadTests {
    @Test func anUploadedRecordingIsTranscribedAndStreamsBack() async throws {
        let clip = try TestAudio.librivox("sense_and_sensibility_01_austen_64kb-0870")
        try await LiveServer.with(worker: true) { server in
            let uploaded = try await server.upload(clip.audio)
            #expect(uploaded.status == 201, "\(uploaded.text)")
            #expect(uploaded.json["bytes"] as? Int == clip.audio.count)
            let uploadId = try #require(uploaded.json["id"] as? String)
            let created = try await server.post("/v1/jobs", json: [
                "job_type": "asr", "items": [["id": "clip", "upload_id": uploadId, "src_lng": "en"]],
            ])
            let jobId = try #require(created.json["job_id"] as? String, "\(created.text)")
            let job = try await server.waitForJob(jobId)
            #expect(job["status"] as? String == "succeeded", "\(job)")
            let text = try await server.get("/v1/jobs/\(jobId)/items/clip/result?format=text").text
            #expect(WordErrorRate.rate(reference: clip.reference, hypothesis: text) < 0.2, "\(text)")
            let audio = try await server.get("/v1/jobs/\(jobId)/items/clip/audio")
            #expect(audio.status == 200 && audio.body == clip.audio, "the stored input streams back unchanged")
        }
    }

    @Test func uploadsAreRefusedWithClearErrors() async throws {
        try await LiveServer.with(worker: false, configure: { $0.api.maxUploadBytes = 1_024 * 1_024 }) { server in
            let tooBig = try await server.upload(Data(count: 1_024 * 1_024 + 1))
            #expect(tooBig.status == 413 && tooBig.errorCode == "body_too_large", "\(tooBig.text)")
            let empty = try await server.upload(Data())
            #expect(empty.status == 400 && empty.errorCode == "invalid_input", "\(empty.text)")
            #expect(try await server.request(.POST, "/v1/uploads", key: nil, body: Data("x".utf8)).status == 401)

            let uploadId = try #require(try await server.upload(Data("audio".utf8)).json["id"] as? String)
            let other = try await server.createKey(owner: "other")
            for (id, key) in [(uploadId, other), ("upl_doesnotexist", LiveServer.adminKey)] {
                let created = try await server.post("/v1/jobs", json: [
                    "job_type": "asr", "items": [["id": "a", "upload_id": id]],
                ], key: key)
                #expect(created.status == 400 && created.errorCode == "upload_not_found", "\(created.text)")
                #expect(created.errorParam == "items[0].upload_id")
            }
            let malformed = try await server.post("/v1/jobs", json: ["job_type": "asr", "items": [["id": "a", "upload_id": "../x"]]])
            #expect(malformed.status == 400 && malformed.errorParam == "items[0].upload_id", "\(malformed.text)")
            let both = try await server.post("/v1/jobs", json: [
                "job_type": "asr", "items": [["id": "a", "upload_id": uploadId, "base64": "eA=="]],
            ])
            #expect(both.status == 400 && both.errorCode == "invalid_input", "\(both.text)")
        }
    }

    @Test func largeUploadsStreamIntoTheBucketInParts() async throws {
        var settings = S3Settings(endpoint: S3BlobStoreTests.endpoint, bucket: "parley-test", credentials: S3BlobStoreTests.credentials)
        settings.multipartThreshold = 5 * 1024 * 1024
        settings.partSize = 5 * 1024 * 1024
        var generator = SystemRandomNumberGenerator()
        let data = Data((0..<(11 * 1024 * 1024)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        try await LiveServer.with(worker: true, configure: {
            $0.s3 = settings
            $0.echoDelay = .zero
        }) { server in
            let uploaded = try await server.upload(data)
            let uploadId = try #require(uploaded.json["id"] as? String, "\(uploaded.text)")
            let created = try await server.post("/v1/jobs", json: ["job_type": "asr", "items": [["id": "big", "upload_id": uploadId]]])
            let jobId = try #require(created.json["job_id"] as? String, "\(created.text)")
            #expect(try await server.waitForJob(jobId, timeout: .seconds(60))["status"] as? String == "succeeded")
            let result = try await server.get("/v1/jobs/\(jobId)/items/big/result").json
            #expect(result["text"] as? String == "echo \(data.count) bytes", "the worker read the whole upload from S3")
            #expect(try await server.get("/v1/jobs/\(jobId)/items/big/audio").body == data)
        }
    }
}
