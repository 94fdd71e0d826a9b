import Foundation
import ParleyCore
import SQLiteNIO

extension SQLiteStore: MetadataStore {
    public func createJob(_ job: Job, items: [JobItem], quotas: Quotas, audit: AuditEntry) async throws -> Job {
        let options = String(decoding: try JSONEncoder().encode(job.options), as: UTF8.self)
        return try await transaction { db in
            if let key = job.idempotencyKey, let existing = try await db.rows(
                "SELECT * FROM jobs WHERE owner_key_id = ? AND idempotency_key = ?", [.text(job.ownerKeyId), .text(key)]
            ).first?.job() {
                if existing.createdAt > job.createdAt - Job.idempotencyWindow { return existing }
                try await db.run("UPDATE jobs SET idempotency_key = NULL WHERE id = ?", [.text(existing.id)])
            }
            if let refusal = try await db.reserve(QuotaNeed(items: items), for: job, quotas: quotas) {
                throw ParleyError.quotaExceeded(refusal)
            }
            try await db.run(
                """
                INSERT INTO jobs (id, owner_key_id, job_type, status, priority, options, idempotency_key, request_hash,
                  total, queued, running, succeeded, failed, cancelled, cancel_requested, created_at, updated_at, retention_seconds)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)
                """,
                [.text(job.id), .text(job.ownerKeyId), .text(job.type.rawValue), .text(job.status.rawValue),
                 .integer(job.priority), .text(options), .optionalText(job.idempotencyKey), .optionalText(job.requestHash),
                 .integer(job.counts.total), .integer(job.counts.queued), .integer(job.counts.running),
                 .integer(job.counts.succeeded), .integer(job.counts.failed), .integer(job.counts.cancelled),
                 .millis(job.createdAt), .millis(job.updatedAt), .optionalInteger(job.retentionSeconds)])
            // Many rows per statement: each statement is one hop to SQLite's thread.
            let rowsPerStatement = 500
            for chunkStart in stride(from: 0, to: items.count, by: rowsPerStatement) {
                let chunk = items[chunkStart..<min(chunkStart + rowsPerStatement, items.count)]
                let row = "(" + SQLiteSession.placeholders(19) + ")"
                var binds: [SQLiteData] = []
                binds.reserveCapacity(chunk.count * 19)
                for (offset, item) in chunk.enumerated() {
                    binds += [
                        .text(item.id), .text(item.jobId), .integer(chunkStart + offset), .text(item.clientId),
                        .text(item.kind.rawValue), .text(item.jobType.rawValue), .text(item.input.reference),
                        .optionalText(item.srcLng), .optionalText(item.tgtLng), .optionalText(item.optionsJSON), .text(item.model),
                        .integer(item.priority), .text(item.ownerKeyId), .text(item.status.rawValue),
                        .integer(item.attempts), .integer(item.maxAttempts), .millis(item.runAfter), .millis(item.createdAt),
                        .float(item.quotaReserved),
                    ]
                }
                try await db.run(
                    """
                    INSERT INTO items (id, job_id, seq, client_id, kind, job_type, input_ref, src_lng, tgt_lng,
                      options, model, priority, owner_key_id, status, attempts, max_attempts, run_after, created_at, quota_reserved)
                    VALUES \(Array(repeating: row, count: chunk.count).joined(separator: ", "))
                    """,
                    binds)
            }
            // A named upload lives as long as the job: it no longer expires on its own.
            for key in Set(items.compactMap(\.input.blobKey)) {
                try await db.run("UPDATE uploads SET expires_at = NULL WHERE blob_key = ?", [.text(key)])
            }
            try await db.insertAudit(audit)
            return job
        }
    }

    public func job(id: String, ownerKeyId: String) async throws -> Job? {
        try await read { db in
            try await db.rows("SELECT * FROM jobs WHERE id = ? AND owner_key_id = ? AND deleted_at IS NULL AND purged_at IS NULL", [.text(id), .text(ownerKeyId)]).first?.job()
        }
    }

    public func items(jobId: String) async throws -> [JobItem] {
        try await read { db in
            try await db.rows("SELECT * FROM items WHERE job_id = ? ORDER BY seq", [.text(jobId)]).map { try $0.item() }
        }
    }

    public func item(jobId: String, clientId: String) async throws -> JobItem? {
        try await read { db in
            try await db.rows("SELECT * FROM items WHERE job_id = ? AND client_id = ?", [.text(jobId), .text(clientId)]).first?.item()
        }
    }

    public func listJobs(ownerKeyId: String, after cursor: JobCursor?, limit: Int) async throws -> [Job] {
        try await read { db in
            if let cursor {
                return try await db.rows(
                    """
                    SELECT * FROM jobs WHERE owner_key_id = ? AND deleted_at IS NULL AND purged_at IS NULL AND (created_at < ? OR (created_at = ? AND id < ?))
                    ORDER BY created_at DESC, id DESC LIMIT ?
                    """,
                    [.text(ownerKeyId), .millis(cursor.createdAt), .millis(cursor.createdAt), .text(cursor.id), .integer(limit)]
                ).map { try $0.job() }
            }
            return try await db.rows(
                "SELECT * FROM jobs WHERE owner_key_id = ? AND deleted_at IS NULL AND purged_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?",
                [.text(ownerKeyId), .integer(limit)]
            ).map { try $0.job() }
        }
    }

    public func cancelJob(id: String, ownerKeyId: String, audit: AuditEntry) async throws -> Job? {
        try await cancel(id: id, ownerKeyId: ownerKeyId, audit: audit, deleting: false)
    }

    public func deleteJob(id: String, ownerKeyId: String, audit: AuditEntry) async throws -> Job? {
        try await cancel(id: id, ownerKeyId: ownerKeyId, audit: audit, deleting: true)
    }

    /// Cancels the job; when `deleting`, also marks it deleted (hidden from every route, its
    /// `Idempotency-Key` freed) for the janitor to purge once nothing of it runs.
    private func cancel(id: String, ownerKeyId: String, audit: AuditEntry, deleting: Bool) async throws -> Job? {
        try await transaction { db in
            guard let job = try await db.rows(
                "SELECT * FROM jobs WHERE id = ? AND owner_key_id = ? AND deleted_at IS NULL AND purged_at IS NULL", [.text(id), .text(ownerKeyId)]
            ).first?.job() else { return nil }
            let now = audit.at
            if deleting {
                try await db.run("UPDATE jobs SET deleted_at = ?, idempotency_key = NULL WHERE id = ?", [.millis(now), .text(id)])
            }
            if job.status.isTerminal {
                if deleting { try await db.insertAudit(audit) }
                return job
            }
            try await db.run("UPDATE jobs SET cancel_requested = 1 WHERE id = ?", [.text(id)])
            let cancelled = try await db.rows(
                """
                UPDATE items SET status = 'cancelled', finished_at = ?, lease_owner = NULL, lease_expires_at = NULL
                WHERE job_id = ? AND status = 'queued' RETURNING quota_reserved
                """,
                [.millis(now), .text(id)]
            ).map { $0.optionalDouble("quota_reserved") ?? 0 }
            try await db.settleQuota(released: cancelled.reduce(0, +), charged: 0, of: job)
            try await db.adjustJob(id, now: now) { $0.move(cancelled.count, from: .queued, to: .cancelled) }
            try await db.insertAudit(audit)
            return try await db.job(id)
        }
    }

    public func createKey(_ key: APIKeyRecord, audit: AuditEntry) async throws {
        try await transaction { db in
            try await db.run(
                """
                INSERT INTO api_keys (id, prefix, secret_hash, owner, scopes, rate_per_minute, burst, created_at,
                  quota_audio_seconds, quota_characters)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.text(key.id), .text(key.prefix), .text(key.secretHash), .text(key.owner),
                 .text(key.scopes.sorted().map(\.rawValue).joined(separator: " ")),
                 .integer(key.rate.perMinute), .integer(key.rate.burst), .millis(key.createdAt),
                 .optionalFloat(key.quotas.audioSecondsPerDay), key.quotas.charactersPerDay.map { .integer($0) } ?? .null])
            try await db.insertAudit(audit)
        }
    }

    public func key(prefix: String) async throws -> APIKeyRecord? {
        try await read { db in
            try await db.rows("SELECT * FROM api_keys WHERE prefix = ?", [.text(prefix)]).first?.apiKey()
        }
    }

    public func listKeys() async throws -> [APIKeyRecord] {
        try await read { db in try await db.rows("SELECT * FROM api_keys ORDER BY created_at, id").map { try $0.apiKey() } }
    }

    public func revokeKey(_ idOrPrefix: String, audit: AuditEntry) async throws -> Bool {
        try await transaction { db in
            let revoked = try await db.rows(
                "UPDATE api_keys SET revoked_at = ? WHERE (id = ? OR prefix = ?) AND revoked_at IS NULL RETURNING id",
                [.millis(audit.at), .text(idOrPrefix), .text(idOrPrefix)])
            guard !revoked.isEmpty else { return false }
            try await db.insertAudit(audit)
            return true
        }
    }

    public func countKeys() async throws -> Int {
        try await read { db in try await db.rows("SELECT COUNT(*) AS n FROM api_keys").first?.int("n") ?? 0 }
    }

    public func usage(keyId: String, day: String) async throws -> Usage {
        try await read { db in try await db.usage(owner: keyId, day: day) }
    }

    public func auditLog(limit: Int) async throws -> [AuditEntry] {
        try await read { db in
            try await db.rows("SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", [.integer(limit)]).map { try $0.audit() }
        }
    }

    public func queueDepth() async throws -> [QueueDepth] {
        try await read { db in
            try await db.rows(
                "SELECT model, status, COUNT(*) AS n FROM items WHERE status IN ('queued', 'running') GROUP BY model, status"
            ).compactMap { row in
                ItemStatus(rawValue: row.string("status")).map { QueueDepth(model: row.string("model"), status: $0, count: row.int("n")) }
            }
        }
    }

    public func ping() async throws {
        _ = try await read { db in try await db.rows("SELECT 1 AS one").count }
    }
}
