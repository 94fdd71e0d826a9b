import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
@testable import ParleySigning
@testable import ParleyCore
@testable import ParleyServer

/// A webhook receiver on loopback (header names lowercased) that answers with the statuses it is given, in turn.
final class WebhookReceiver: Sendable {
    struct Delivery {
        var headers: [String: String]
        var body: Data
    }

    let received = Mutex<[Delivery]>([])
    let answers: Mutex<[HTTPResponse.Status]>
    /// How long the receiver takes to answer once it has read a delivery.
    let delay: Duration

    init(answers: [HTTPResponse.Status], delay: Duration = .zero) {
        self.answers = Mutex(answers)
        self.delay = delay
    }

    var deliveries: [Delivery] { received.withLock { $0 } }

    /// Serves the receiver while `body` runs, passing the webhook URL.
    func serve(_ body: @escaping @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            var request = request
            let data = Data(buffer: try await request.collectBody(upTo: 1 << 20))
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            self.received.withLock { $0.append(Delivery(headers: headers, body: data)) }
            if self.delay > .zero { try await Task.sleep(for: self.delay) }
            return self.answers.withLock { $0.count > 1 ? $0.removeFirst() : $0.first ?? .ok }
        }
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await application.test(.live) { client in try await body("http://127.0.0.1:\(client.port!)/hook") }
    }
}

@Suite(.timeLimit(.minutes(5))) struct WebhookTests {
    static func configure(_ configuration: inout ParleyConfiguration) {
        configuration.echoDelay = .zero
        configuration.webhookAllowedHosts = ["127.0.0.1"]
        configuration.webhookRetryBase = 200
    }

    @Test func aJobsEndIsSignedRetriedAndShownOnTheJob() async throws {
        _ = PrometheusExport.registry
        let receiver = WebhookReceiver(answers: [.internalServerError, .serviceUnavailable, .noContent])
        try await receiver.serve { url in
            try await LiveServer.with(worker: true, configure: {
                Self.configure(&$0)
                $0.exportMetrics = true
            }) { server in
                let created = try await server.post("/v1/jobs", json: [
                    "job_type": "asr", "items": [["id": "a", "base64": "eA=="], ["id": "b", "base64": "eQ=="]],
                    "webhook_url": url, "webhook_auth_header_name": "X-Hook-Token", "webhook_auth_header_value": "s3cret-value",
                ])
                let jobId = try #require(created.json["job_id"] as? String, "\(created.text)")
                #expect(try await eventually(timeout: .seconds(30)) {
                    let deliveries = try await server.get("/v1/jobs/\(jobId)").json["webhook_deliveries"] as? [[String: Any]]
                    return deliveries?.first?["status"] as? String == "delivered"
                })
                let job = try await server.get("/v1/jobs/\(jobId)")
                #expect(!job.text.contains("s3cret-value"), "the auth header value is never shown")
                let delivery = try #require((job.json["webhook_deliveries"] as? [[String: Any]])?.first)
                let attempts = try #require(delivery["attempts"] as? [[String: Any]])
                #expect(attempts.map { $0["status_code"] as? Int } == [500, 503, 204])
                #expect(delivery["delivered_at"] is String && delivery["next_attempt_at"] == nil)

                let secret = try #require(try await server.get("/v1/webhooks/secret").json["secret"] as? String)
                let received = receiver.deliveries
                #expect(received.count == 3)
                for posted in received {
                    let signature = try #require(posted.headers["parley-signature"])
                    #expect(WebhookSignature.verify(
                        header: signature, secret: secret, body: posted.body, now: Int(Date().timeIntervalSince1970)))
                    #expect(posted.headers["x-hook-token"] == "s3cret-value")
                    #expect(posted.headers["parley-delivery"] == delivery["id"] as? String)
                }
                let payload = try #require(try JSONSerialization.jsonObject(with: received[2].body) as? [String: Any])
                #expect(payload["job_id"] as? String == jobId && payload["status"] as? String == "succeeded")
                #expect((payload["counts"] as? [String: Any])?["succeeded"] as? Int == 2)

                let other = try await server.createKey(owner: "other")
                let otherSecret = try await server.get("/v1/webhooks/secret", key: other).json["secret"] as? String
                #expect(otherSecret != nil && otherSecret != secret, "each key signs with its own secret")
                let metrics = try await server.get("/metrics", key: nil).text
                #expect(metrics.contains(#"parley_webhook_deliveries_total{outcome="delivered"}"#))
                #expect(metrics.contains(#"parley_webhook_deliveries_total{outcome="retry"}"#))
            }
        }
    }

    @Test func aReceiverThatNeverSendsItsBodyHoldsOnlyItsOwnDelivery() async throws {
        let healthy = Mutex<[ContinuousClock.Instant]>([])
        let router = Router()
        // Headers at once, then no body for 30 s: far longer than a POST may take here (2 s).
        router.post("/stall") { request, _ -> Response in
            var request = request
            _ = try await request.collectBody(upTo: 1 << 20)
            return Response(status: .ok, body: ResponseBody { writer in
                try await Task.sleep(for: .seconds(30))
                try await writer.finish(nil)
            })
        }
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            var request = request
            _ = try await request.collectBody(upTo: 1 << 20)
            healthy.withLock { $0.append(.now) }
            return .noContent
        }
        let receiver = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await receiver.test(.live) { client in
            let base = "http://127.0.0.1:\(client.port!)"
            try await LiveServer.with(worker: true, configure: {
                Self.configure(&$0)
                $0.webhookTimeout = .seconds(2)
            }) { server in
                let slow = try await server.post("/v1/jobs", json: [
                    "job_type": "asr", "items": [["id": "a", "base64": "eA=="]], "webhook_url": "\(base)/stall"])
                let slowId = try #require(slow.json["job_id"] as? String, "\(slow.text)")
                _ = try await server.waitForJob(slowId)
                let fast = try await server.post("/v1/jobs", json: [
                    "job_type": "asr", "items": [["id": "b", "base64": "eQ=="]], "webhook_url": "\(base)/hook"])
                let fastId = try #require(fast.json["job_id"] as? String, "\(fast.text)")
                _ = try await server.waitForJob(fastId)
                let finished = ContinuousClock.now
                #expect(await eventually(timeout: .seconds(30), interval: .milliseconds(20)) { !healthy.withLock { $0.isEmpty } })
                let arrived = try #require(healthy.withLock { $0.first })
                #expect(arrived - finished < .seconds(20), "the healthy receiver's webhook did not wait for the stalled one (30 s)")
                let failed = try await eventually(timeout: .seconds(30)) {
                    let deliveries = try await server.get("/v1/jobs/\(slowId)").json["webhook_deliveries"] as? [[String: Any]]
                    let attempts = deliveries?.first?["attempts"] as? [[String: Any]] ?? []
                    return attempts.contains { ($0["error"] as? String)?.hasPrefix("url_timeout") == true }
                }
                #expect(failed, "the stalled POST ended with url_timeout at its deadline")
            }
        }
    }

    /// A job of `key`'s whose first webhook attempt fails (502, the retry 3 s later): `before`
    /// runs on its server once that attempt arrived, then the server stops, and `after` runs
    /// on a server started again on the same data directory.
    static func acrossARestart(
        key: @escaping @Sendable (LiveServer) async throws -> String = { _ in LiveServer.adminKey },
        before: @escaping @Sendable (LiveServer, String) async throws -> Void = { _, _ in },
        after: @escaping @Sendable (LiveServer, _ jobId: String, WebhookReceiver) async throws -> Void
    ) async throws {
        let receiver = WebhookReceiver(answers: [.badGateway, .ok])
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        try await receiver.serve { url in
            var jobId = ""
            try await LiveServer.with(worker: true, directory: directory, configure: {
                Self.configure(&$0)
                $0.webhookRetryBase = 3_000
            }) { server in
                let owner = try await key(server)
                let created = try await server.post("/v1/jobs", json: [
                    "job_type": "asr", "items": [["id": "a", "base64": "eA=="]], "webhook_url": url,
                ], key: owner)
                jobId = try #require(created.json["job_id"] as? String)
                #expect(await eventually(timeout: .seconds(30), interval: .milliseconds(20)) { receiver.deliveries.count == 1 })
                try await before(server, owner)
            }
            let id = jobId
            try await LiveServer.with(worker: true, directory: directory, configure: Self.configure) { server in
                try await after(server, id, receiver)
            }
        }
    }

    @Test func aPendingDeliverySurvivesARestart() async throws {
        try await Self.acrossARestart { server, id, receiver in
            #expect(receiver.deliveries.count == 1, "the first attempt failed and the server stopped before the retry")
            let delivered = try await eventually(timeout: .seconds(30)) {
                let deliveries = try await server.get("/v1/jobs/\(id)").json["webhook_deliveries"] as? [[String: Any]]
                return deliveries?.first?["status"] as? String == "delivered"
            }
            #expect(delivered && receiver.deliveries.count == 2, "delivered once after the restart")
        }
    }

    /// A revoked key gets no further deliveries: its pending retry ends failed, unsent.
    @Test func aRevokedKeyGetsNoFurtherDeliveries() async throws {
        try await Self.acrossARestart(key: { try await $0.createKey(owner: "leaving") }, before: { server, key in
            let prefix = String(key.split(separator: "_")[1])
            let revoked = try await server.server.store.revokeKey(prefix, audit: AuditEntry(keyId: nil, action: "key.revoke", target: prefix))
            #expect(revoked)
        }, after: { server, id, receiver in
            let ended = try await eventually(timeout: .seconds(30)) {
                try await server.server.store.webhookDeliveries(jobId: id).first?.status == .failed
            }
            #expect(ended, "the pending retry ended failed")
            #expect(receiver.deliveries.count == 1, "nothing was sent after the revocation")
        })
    }

    /// A graceful shutdown lets a send in flight finish and record its attempt, so the delivery
    /// is not left leased (and unsendable) after the process is gone.
    @Test func aSendInFlightAtShutdownFinishesAndRecordsItsAttempt() async throws {
        let receiver = WebhookReceiver(answers: [.ok], delay: .seconds(1))
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        try await receiver.serve { url in
            var jobId = ""
            try await LiveServer.with(worker: true, directory: directory, configure: Self.configure) { server in
                let created = try await server.post("/v1/jobs", json: [
                    "job_type": "asr", "items": [["id": "a", "base64": "eA=="]], "webhook_url": url,
                ])
                jobId = try #require(created.json["job_id"] as? String)
                #expect(await eventually(timeout: .seconds(30), interval: .milliseconds(10)) { receiver.deliveries.count == 1 })
            }  // shutdown begins while the receiver is still answering
            let id = jobId
            try await LiveServer.with(worker: false, directory: directory, configure: Self.configure) { server in
                let deliveries = try await server.get("/v1/jobs/\(id)").json["webhook_deliveries"] as? [[String: Any]]
                #expect(deliveries?.first?["status"] as? String == "delivered", "\(deliveries ?? [])")
            }
            #expect(receiver.deliveries.count == 1)
        }
    }

    @Test func webhookFieldsAreValidated() async throws {
        try await LiveServer.with(worker: false) { server in
            let item = [["id": "a", "base64": "eA=="]]
            let cases: [([String: Any], String)] = [
                (["webhook_url": "ftp://example.com/x"], "webhook_url"),
                (["webhook_auth_header_name": "X-A", "webhook_auth_header_value": "v"], "webhook_url"),
                (["webhook_url": "https://example.com/x", "webhook_auth_header_name": "X-A"], "webhook_auth_header_value"),
                (["webhook_url": "https://example.com/x", "webhook_auth_header_name": "Parley-Signature",
                  "webhook_auth_header_value": "v"], "webhook_auth_header_name"),
                (["webhook_url": "https://example.com/x", "webhook_auth_header_name": "X-A",
                  "webhook_auth_header_value": "a\nb"], "webhook_auth_header_value"),
            ]
            for (fields, param) in cases {
                let body = fields.merging(["job_type": "asr", "items": item]) { $1 }
                let response = try await server.post("/v1/jobs", json: body)
                #expect(response.status == 400 && response.errorParam == param, "\(fields): \(response.text)")
            }
        }
    }

    /// Refused even where audio may come from that host: fetches and webhooks have their own
    /// allow-lists, so a tenant cannot aim a webhook at an internal storage host.
    @Test func webhooksToPrivateAddressesAreRefusedPerAttempt() async throws {
        try await LiveServer.with(worker: true, configure: {
            $0.echoDelay = .zero
            $0.webhookRetryBase = 60_000
            $0.fetchAllowedHosts = ["127.0.0.1"]
        }) { server in
            let created = try await server.post("/v1/jobs", json: [
                "job_type": "asr", "items": [["id": "a", "base64": "eA=="]], "webhook_url": "http://127.0.0.1:9/hook",
            ])
            let jobId = try #require(created.json["job_id"] as? String)
            var attempts: [[String: Any]] = []
            #expect(try await eventually(timeout: .seconds(30)) {
                let deliveries = try await server.get("/v1/jobs/\(jobId)").json["webhook_deliveries"] as? [[String: Any]]
                attempts = deliveries?.first?["attempts"] as? [[String: Any]] ?? []
                return !attempts.isEmpty
            })
            #expect((attempts.first?["error"] as? String)?.hasPrefix("url_forbidden") == true, "\(attempts)")
        }
    }
}

/// `Idempotency-Key` on `POST /v1/jobs`.
@Suite(.timeLimit(.minutes(5))) struct IdempotencyTests {
    @Test func theSameKeyReplaysTheJobAndAnotherBodyConflicts() async throws {
        try await LiveServer.with(worker: false) { server in
            let body: [String: Any] = ["job_type": "nmt", "items": [["id": "a", "text": "Hello", "tgt_lng": "pt"]]]
            let first = try await server.post("/v1/jobs", json: body, headers: ["Idempotency-Key": "order-42"])
            #expect(first.status == 202)
            let again = try await server.post("/v1/jobs", json: body, headers: ["Idempotency-Key": "order-42"])
            #expect(again.status == 202 && again.json["job_id"] as? String == first.json["job_id"] as? String, "\(again.text)")
            #expect(again.headers["idempotent-replayed"] == "true" && first.headers["idempotent-replayed"] == nil)

            var changed = body
            changed["priority"] = 5
            let conflict = try await server.post("/v1/jobs", json: changed, headers: ["Idempotency-Key": "order-42"])
            #expect(conflict.status == 409 && conflict.errorCode == "idempotency_key_reused", "\(conflict.text)")

            let other = try await server.createKey(owner: "other")
            let scoped = try await server.post("/v1/jobs", json: body, key: other, headers: ["Idempotency-Key": "order-42"])
            #expect(scoped.status == 202 && scoped.json["job_id"] as? String != first.json["job_id"] as? String)
            let fresh = try await server.post("/v1/jobs", json: body)
            #expect(fresh.json["job_id"] as? String != first.json["job_id"] as? String, "no header, no replay")
            let list = try await server.get("/v1/jobs").json["data"] as? [[String: Any]]
            #expect(list?.count == 2, "the replay stored no second job for the admin key")

            let bad = try await server.post("/v1/jobs", json: body, headers: ["Idempotency-Key": String(repeating: "x", count: 256)])
            #expect(bad.status == 400 && bad.errorParam == "Idempotency-Key")
        }
    }
}
