import Foundation
import ParleyCore
import PostgresNIO

extension PostgresStore: RetentionStore {
    public func recordUpload(_ upload: UploadRecord) async throws {
        let logger = logger
        try await read { db in
            try await db.run(
                """
                INSERT INTO uploads (id, owner_key_id, blob_key, bytes, created_at, expires_at, audio_seconds)
                VALUES (\(upload.id), \(upload.ownerKeyId), \(upload.blobKey), \(upload.bytes), \(upload.createdAt), \(upload.expiresAt),
                  \(upload.audioSeconds))
                """,
                logger: logger)
        }
    }

    public func uploadSeconds(blobKeys: [String]) async throws -> [String: Double] {
        guard !blobKeys.isEmpty else { return [:] }
        let logger = logger
        return try await read { db in
            let rows = try await db.rows(
                "SELECT blob_key, audio_seconds FROM uploads WHERE audio_seconds IS NOT NULL AND blob_key = ANY(\(blobKeys))", logger: logger
            ) { (try $0.string("blob_key"), try $0.optionalDouble("audio_seconds")) }
            return Dictionary(rows.compactMap { key, seconds in seconds.map { (key, $0) } }) { a, _ in a }
        }
    }

    public func claimPurges(owner: String, lease: Millis, now: Millis, limit: Int) async throws -> [PurgeTarget] {
        let logger = logger
        return try await transaction { db in
            // SKIP LOCKED: janitors in other processes take other jobs, or none.
            let ids = try await db.rows(
                """
                WITH due AS (
                  SELECT id FROM jobs
                  WHERE purged_at IS NULL AND status NOT IN ('queued', 'running')
                    AND (deleted_at IS NOT NULL OR finished_at + retention_seconds * 1000 <= \(now))
                    AND (purge_lease_until IS NULL OR purge_lease_until < \(now))
                  ORDER BY finished_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                UPDATE jobs AS j SET purge_owner = \(owner), purge_lease_until = \(now + lease)
                FROM due WHERE j.id = due.id RETURNING j.id
                """,
                logger: logger) { try $0.string("id") }
            guard !ids.isEmpty else { return [] }
            let inputs = try await db.rows(
                "SELECT job_id, input_ref FROM items WHERE job_id = ANY(\(ids)) AND input_ref LIKE 'blob:%'",
                logger: logger) { (jobId: try $0.string("job_id"), key: ItemInput(reference: try $0.string("input_ref"))?.blobKey) }
            let byJob = Dictionary(grouping: inputs, by: \.jobId)
            return ids.sorted().map { id in PurgeTarget(jobId: id, inputKeys: Set(byJob[id]?.compactMap(\.key) ?? []).sorted()) }
        }
    }

    public func completePurge(jobId: String, owner: String, now: Millis) async throws -> Bool {
        let logger = logger
        return try await transaction { db in
            guard try await db.rows(
                "SELECT id FROM jobs WHERE id = \(jobId) AND purge_owner = \(owner) AND purged_at IS NULL FOR UPDATE",
                logger: logger, { try $0.string("id") }
            ).first != nil else { return false }
            try await db.run(
                """
                DELETE FROM uploads WHERE blob_key IN (
                  SELECT substr(input_ref, 6) FROM items WHERE job_id = \(jobId) AND input_ref LIKE 'blob:%')
                """,
                logger: logger)
            try await db.run("DELETE FROM webhook_deliveries WHERE job_id = \(jobId)", logger: logger)
            try await db.run("DELETE FROM items WHERE job_id = \(jobId)", logger: logger)
            try await db.run(
                """
                UPDATE jobs SET purged_at = \(now), options = '{}', idempotency_key = NULL, request_hash = NULL,
                  purge_owner = NULL, purge_lease_until = NULL
                WHERE id = \(jobId)
                """,
                logger: logger)
            try await db.insertAudit(AuditEntry(at: now, keyId: nil, action: "job.purge", target: jobId), logger: logger)
            return true
        }
    }

    public func claimExpiredUploads(owner: String, lease: Millis, now: Millis, limit: Int) async throws -> [UploadRecord] {
        let logger = logger
        return try await read { db in
            try await db.rows(
                """
                WITH due AS (
                  SELECT id FROM uploads
                  WHERE expires_at <= \(now) AND (lease_expires_at IS NULL OR lease_expires_at < \(now))
                  ORDER BY expires_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                UPDATE uploads AS u SET lease_owner = \(owner), lease_expires_at = \(now + lease)
                FROM due WHERE u.id = due.id RETURNING u.*
                """,
                logger: logger) { try $0.upload() }
        }
    }

    public func removeUpload(id: String, owner: String) async throws -> Bool {
        let logger = logger
        return try await read { db in
            try await db.rows(
                "DELETE FROM uploads WHERE id = \(id) AND lease_owner = \(owner) AND expires_at IS NOT NULL RETURNING id",
                logger: logger) { try $0.string("id") }.count == 1
        }
    }
}
