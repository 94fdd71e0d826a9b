import Foundation
import Testing
@testable import ParleySigning
@testable import ParleyCore

/// The webhook signature and retry schedule: pure values, no sockets.
@Suite(.timeLimit(.minutes(5))) struct WebhookSignatureTests {
    // Computed independently with Python's hmac module.
    static let secret = "whsec_41fead6a7ac47a97b55fc1828dde7eb5fd8a1d12d34d7fce254e78ff11b08bbc"
    static let body = Data(#"{"job_id":"job_1"}"#.utf8)

    @Test func matchesAnIndependentHMAC() {
        #expect(WebhookSignature.header(secret: Self.secret, timestamp: 1_700_000_000, body: Self.body)
                == "t=1700000000,v1=9056c13f21bad66cc37cbca4e470c2932ec161ee31b19ee5b6968f302bc10db0")
        // hmac.new(b"server-secret", b"parley webhook signing v2\nabc123hash", "sha256").hexdigest()
        let keys = WebhookSigningKeys(current: Data("server-secret".utf8))
        #expect(keys.secret(keyHash: "abc123hash") == Self.keyedSecret)
    }

    static let keyedSecret = "whsec_18db76899ccb7485b2b6eebfb9134d9a7d0d8caa7d1a383631d99316e7aedd95"

    /// A key's secret needs the server secret: the stored hash alone (a database or backup)
    /// does not give it, and another server secret gives another one.
    @Test func theSecretDependsOnTheServerSecretAndRotationSignsWithBoth() {
        let old = WebhookSigningKeys(current: Data("old server secret".utf8))
        let new = WebhookSigningKeys(current: Data("new server secret".utf8))
        #expect(old.secret(keyHash: "h") != new.secret(keyHash: "h"))
        #expect(old.secret(keyHash: "h") != old.secret(keyHash: "h2"))
        let rotating = WebhookSigningKeys(current: new.current, previous: old.current)
        let header = rotating.header(keyHash: "h", timestamp: 1_700_000_000, body: Self.body)
        #expect(header.components(separatedBy: "v1=").count == 3, "\(header)")
        for secret in [old.secret(keyHash: "h"), new.secret(keyHash: "h")] {
            #expect(WebhookSignature.verify(header: header, secret: secret, body: Self.body, now: 1_700_000_000))
        }
        #expect(rotating.previousSecret(keyHash: "h") == old.secret(keyHash: "h"))
        #expect(new.header(keyHash: "h", timestamp: 1_700_000_000, body: Self.body).components(separatedBy: "v1=").count == 2)
    }

    @Test func verifiesOnlyTheRightSignatureInTime() {
        let header = WebhookSignature.header(secret: Self.secret, timestamp: 1_700_000_000, body: Self.body)
        #expect(WebhookSignature.verify(header: header, secret: Self.secret, body: Self.body, now: 1_700_000_100))
        #expect(!WebhookSignature.verify(header: header, secret: "whsec_other", body: Self.body, now: 1_700_000_100))
        #expect(!WebhookSignature.verify(header: header, secret: Self.secret, body: Data(#"{"job_id":"job_2"}"#.utf8), now: 1_700_000_100))
        #expect(!WebhookSignature.verify(header: header, secret: Self.secret, body: Self.body, now: 1_700_000_301), "too old")
        #expect(!WebhookSignature.verify(header: header, secret: Self.secret, body: Self.body, now: 1_699_999_699), "from the future")
        for broken in ["", "t=1700000000", "v1=abc", "garbage", "t=x,v1=9056"] {
            #expect(!WebhookSignature.verify(header: broken, secret: Self.secret, body: Self.body, now: 1_700_000_000))
        }
        let rotated = "t=1700000000, v1=deadbeef, " + header.split(separator: ",")[1]
        #expect(WebhookSignature.verify(header: rotated, secret: Self.secret, body: Self.body, now: 1_700_000_000), "any v1 may match")
    }

    @Test func retriesBackOffExponentiallyThenGiveUp() {
        var delivery = WebhookDelivery(id: "whd_1", jobId: "job_1", ownerKeyId: "key_a", url: "https://x", nextAttemptAt: 0, createdAt: 0)
        var waits: [Millis] = []
        var at: Millis = 0
        while delivery.status == .pending {
            delivery = delivery.after(WebhookAttempt(at: at, error: "refused"), maxAttempts: 10, baseDelay: 5_000, maxDelay: 600_000)
            if delivery.status == .pending { waits.append(delivery.nextAttemptAt - at) }
            at = delivery.nextAttemptAt
        }
        #expect(waits == [5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000])
        #expect(delivery.status == .failed && delivery.attempts.count == 10 && delivery.deliveredAt == nil)

        let fresh = WebhookDelivery(id: "whd_2", jobId: "job_1", ownerKeyId: "key_a", url: "https://x", nextAttemptAt: 0, createdAt: 0)
        for (code, status) in [(200, WebhookDeliveryStatus.delivered), (299, .delivered), (300, .pending), (404, .pending), (500, .pending)] {
            let next = fresh.after(WebhookAttempt(at: 7, statusCode: code), maxAttempts: 10, baseDelay: 5_000, maxDelay: 600_000)
            #expect(next.status == status, "HTTP \(code)")
        }
    }
}
