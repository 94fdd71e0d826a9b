import Foundation
import ParleyCore
import SQLiteNIO

extension SQLiteStore: RetentionStore {
    public func recordUpload(_ upload: UploadRecord) async throws {
        try await read { db in
            try await db.run(
                "INSERT INTO uploads (id, owner_key_id, blob_key, bytes, created_at, expires_at, audio_seconds) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [.text(upload.id), .text(upload.ownerKeyId), .text(upload.blobKey), .integer(upload.bytes),
                 .millis(upload.createdAt), .millis(upload.expiresAt), .optionalFloat(upload.audioSeconds)])
        }
    }

    public func uploadSeconds(blobKeys: [String]) async throws -> [String: Double] {
        guard !blobKeys.isEmpty else { return [:] }
        return try await read { db in
            let rows = try await db.rows(
                "SELECT blob_key, audio_seconds FROM uploads WHERE audio_seconds IS NOT NULL AND blob_key IN (\(SQLiteSession.placeholders(blobKeys.count)))",
                blobKeys.map { .text($0) })
            return Dictionary(rows.compactMap { row in row.optionalDouble("audio_seconds").map { (row.string("blob_key"), $0) } }) { a, _ in a }
        }
    }

    public func claimPurges(owner: String, lease: Millis, now: Millis, limit: Int) async throws -> [PurgeTarget] {
        try await transaction { db in
            let ids = try await db.rows(
                """
                UPDATE jobs SET purge_owner = ?, purge_lease_until = ?
                WHERE id IN (
                  SELECT id FROM jobs
                  WHERE purged_at IS NULL AND status NOT IN ('queued', 'running')
                    AND (deleted_at IS NOT NULL OR finished_at + retention_seconds * 1000 <= ?)
                    AND (purge_lease_until IS NULL OR purge_lease_until < ?)
                  ORDER BY finished_at LIMIT ?)
                RETURNING id
                """,
                [.text(owner), .millis(now + lease), .millis(now), .millis(now), .integer(limit)]
            ).map { $0.string("id") }
            var targets: [PurgeTarget] = []
            for id in ids.sorted() {
                let keys = try await db.rows(
                    "SELECT input_ref FROM items WHERE job_id = ? AND input_ref LIKE 'blob:%'", [.text(id)]
                ).compactMap { ItemInput(reference: $0.string("input_ref"))?.blobKey }
                targets.append(PurgeTarget(jobId: id, inputKeys: Set(keys).sorted()))
            }
            return targets
        }
    }

    public func completePurge(jobId: String, owner: String, now: Millis) async throws -> Bool {
        try await transaction { db in
            guard try await db.rows(
                "SELECT id FROM jobs WHERE id = ? AND purge_owner = ? AND purged_at IS NULL", [.text(jobId), .text(owner)]
            ).first != nil else { return false }
            try await db.run(
                """
                DELETE FROM uploads WHERE blob_key IN (
                  SELECT substr(input_ref, 6) FROM items WHERE job_id = ? AND input_ref LIKE 'blob:%')
                """,
                [.text(jobId)])
            try await db.run("DELETE FROM webhook_deliveries WHERE job_id = ?", [.text(jobId)])
            try await db.run("DELETE FROM items WHERE job_id = ?", [.text(jobId)])
            try await db.run(
                """
                UPDATE jobs SET purged_at = ?, options = '{}', idempotency_key = NULL, request_hash = NULL,
                  purge_owner = NULL, purge_lease_until = NULL
                WHERE id = ?
                """,
                [.millis(now), .text(jobId)])
            try await db.insertAudit(AuditEntry(at: now, keyId: nil, action: "job.purge", target: jobId))
            return true
        }
    }

    public func claimExpiredUploads(owner: String, lease: Millis, now: Millis, limit: Int) async throws -> [UploadRecord] {
        try await transaction { db in
            try await db.rows(
                """
                UPDATE uploads SET lease_owner = ?, lease_expires_at = ?
                WHERE id IN (
                  SELECT id FROM uploads WHERE expires_at <= ? AND (lease_expires_at IS NULL OR lease_expires_at < ?)
                  ORDER BY expires_at LIMIT ?)
                RETURNING *
                """,
                [.text(owner), .millis(now + lease), .millis(now), .millis(now), .integer(limit)]
            ).map { try $0.upload() }
        }
    }

    public func removeUpload(id: String, owner: String) async throws -> Bool {
        try await read { db in
            try await db.rows(
                "DELETE FROM uploads WHERE id = ? AND lease_owner = ? AND expires_at IS NOT NULL RETURNING id",
                [.text(id), .text(owner)]
            ).count == 1
        }
    }
}
