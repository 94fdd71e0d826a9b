import Foundation
import ParleyCore
import SQLiteNIO

extension SQLiteStore: WebhookStore {
    public func claimWebhooks(limit: Int, owner: String, lease: Millis, now: Millis) async throws -> [WebhookDelivery] {
        try await transaction { db in
            try await db.rows(
                """
                UPDATE webhook_deliveries SET lease_owner = ?, lease_expires_at = ?
                WHERE id IN (
                  SELECT id FROM webhook_deliveries
                  WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_expires_at IS NULL OR lease_expires_at < ?)
                  ORDER BY next_attempt_at LIMIT ?)
                RETURNING *
                """,
                [.text(owner), .millis(now + lease), .millis(now), .millis(now), .integer(limit)]
            ).map { try $0.webhookDelivery() }
        }
    }

    public func webhookContext(_ delivery: WebhookDelivery) async throws -> WebhookContext? {
        try await read { db in
            guard let job = try await db.job(delivery.jobId),
                  let key = try await db.rows("SELECT secret_hash FROM api_keys WHERE id = ? AND revoked_at IS NULL", [.text(delivery.ownerKeyId)]).first
            else { return nil }
            return WebhookContext(job: job, keyHash: key.string("secret_hash"))
        }
    }

    public func recordWebhook(_ delivery: WebhookDelivery, owner: String) async throws -> Bool {
        try await transaction { db in
            try await db.rows(
                """
                UPDATE webhook_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, delivered_at = ?,
                  lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ? AND lease_owner = ? RETURNING id
                """,
                [.text(delivery.status.rawValue), .text(delivery.attemptsJSON), .millis(delivery.nextAttemptAt),
                 .millis(delivery.deliveredAt), .text(delivery.id), .text(owner)]
            ).count == 1
        }
    }

    public func webhookDeliveries(jobId: String) async throws -> [WebhookDelivery] {
        try await read { db in
            try await db.rows("SELECT * FROM webhook_deliveries WHERE job_id = ? ORDER BY created_at, id", [.text(jobId)])
                .map { try $0.webhookDelivery() }
        }
    }
}

extension SQLiteSession {
    func insertWebhook(_ delivery: WebhookDelivery) async throws {
        try await run(
            """
            INSERT INTO webhook_deliveries (id, job_id, owner_key_id, url, status, attempts, next_attempt_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(delivery.id), .text(delivery.jobId), .text(delivery.ownerKeyId), .text(delivery.url),
             .text(delivery.status.rawValue), .text(delivery.attemptsJSON), .millis(delivery.nextAttemptAt),
             .millis(delivery.createdAt)])
    }
}
