import Foundation
import ParleyCore
import PostgresNIO

extension PostgresStore: WebhookStore {
    public func claimWebhooks(limit: Int, owner: String, lease: Millis, now: Millis) async throws -> [WebhookDelivery] {
        let logger = logger
        return try await read { db in
            try await db.rows(
                """
                WITH picked AS (
                  SELECT id FROM webhook_deliveries
                  WHERE status = 'pending' AND next_attempt_at <= \(now)
                    AND (lease_expires_at IS NULL OR lease_expires_at < \(now))
                  ORDER BY next_attempt_at LIMIT \(limit)
                  FOR UPDATE SKIP LOCKED)
                UPDATE webhook_deliveries AS w SET lease_owner = \(owner), lease_expires_at = \(now + lease)
                FROM picked WHERE w.id = picked.id
                RETURNING w.*
                """,
                logger: logger) { try $0.webhookDelivery() }
        }
    }

    public func webhookContext(_ delivery: WebhookDelivery) async throws -> WebhookContext? {
        let logger = logger
        return try await read { db in
            guard let job = try await db.rows("SELECT * FROM jobs WHERE id = \(delivery.jobId)", logger: logger, { try $0.job() }).first,
                  let hash = try await db.rows(
                    "SELECT secret_hash FROM api_keys WHERE id = \(delivery.ownerKeyId) AND revoked_at IS NULL", logger: logger, { try $0.string("secret_hash") }
                  ).first
            else { return nil }
            return WebhookContext(job: job, keyHash: hash)
        }
    }

    public func recordWebhook(_ delivery: WebhookDelivery, owner: String) async throws -> Bool {
        let logger = logger
        return try await read { db in
            try await db.rows(
                """
                UPDATE webhook_deliveries SET status = \(delivery.status.rawValue), attempts = \(delivery.attemptsJSON),
                  next_attempt_at = \(delivery.nextAttemptAt), delivered_at = \(delivery.deliveredAt),
                  lease_owner = NULL, lease_expires_at = NULL
                WHERE id = \(delivery.id) AND lease_owner = \(owner) RETURNING id
                """,
                logger: logger) { try $0.string("id") }.count == 1
        }
    }

    public func webhookDeliveries(jobId: String) async throws -> [WebhookDelivery] {
        let logger = logger
        return try await read { db in
            try await db.rows(
                "SELECT * FROM webhook_deliveries WHERE job_id = \(jobId) ORDER BY created_at, id", logger: logger
            ) { try $0.webhookDelivery() }
        }
    }
}

extension PostgresConnection {
    func insertWebhook(_ delivery: WebhookDelivery, logger: Logger) async throws {
        try await run(
            """
            INSERT INTO webhook_deliveries (id, job_id, owner_key_id, url, status, attempts, next_attempt_at, created_at)
            VALUES (\(delivery.id), \(delivery.jobId), \(delivery.ownerKeyId), \(delivery.url), \(delivery.status.rawValue),
              \(delivery.attemptsJSON), \(delivery.nextAttemptAt), \(delivery.createdAt))
            """,
            logger: logger)
    }
}
