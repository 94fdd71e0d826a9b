import Foundation
import ParleyCore
import PostgresNIO

extension PostgresStore: MetadataStore {
    public func createJob(_ job: Job, items: [JobItem], quotas: Quotas, audit: AuditEntry) async throws -> Job {
        do {
            return try await insertJob(job, items: items, quotas: quotas, audit: audit)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" && job.idempotencyKey != nil {
            // A concurrent request with the same Idempotency-Key committed first: answer with its job.
            let logger = logger
            let existing = try await read { db in
                try await db.rows(
                    "SELECT * FROM jobs WHERE owner_key_id = \(job.ownerKeyId) AND idempotency_key = \(job.idempotencyKey)",
                    logger: logger) { try $0.job() }.first
            }
            guard let existing else { throw error }
            return existing
        }
    }

    private func insertJob(_ job: Job, items: [JobItem], quotas: Quotas, audit: AuditEntry) async throws -> Job {
        let options = String(decoding: try JSONEncoder().encode(job.options), as: UTF8.self)
        let logger = logger
        return try await transaction { db in
            if let key = job.idempotencyKey, let existing = try await db.rows(
                "SELECT * FROM jobs WHERE owner_key_id = \(job.ownerKeyId) AND idempotency_key = \(key)", logger: logger, { try $0.job() }
            ).first {
                if existing.createdAt > job.createdAt - Job.idempotencyWindow { return existing }
                try await db.run("UPDATE jobs SET idempotency_key = NULL WHERE id = \(existing.id)", logger: logger)
            }
            if let refusal = try await db.reserve(QuotaNeed(items: items), for: job, quotas: quotas, logger: logger) {
                throw ParleyError.quotaExceeded(refusal)
            }
            try await db.run(
                """
                INSERT INTO jobs (id, owner_key_id, job_type, status, priority, options, idempotency_key, request_hash,
                  total, queued, running, succeeded, failed, cancelled, cancel_requested, created_at, updated_at, retention_seconds)
                VALUES (\(job.id), \(job.ownerKeyId), \(job.type.rawValue), \(job.status.rawValue), \(job.priority),
                  \(options), \(job.idempotencyKey), \(job.requestHash), \(job.counts.total), \(job.counts.queued), \(job.counts.running),
                  \(job.counts.succeeded), \(job.counts.failed), \(job.counts.cancelled), false,
                  \(job.createdAt), \(job.updatedAt), \(job.retentionSeconds))
                """,
                logger: logger)
            for (priority, group) in Dictionary(grouping: items.enumerated(), by: \.element.priority) {
                let start = try await db.reserveTurns(owner: job.ownerKeyId, priority: priority, count: group.count, logger: logger)
                try await db.insertItems(group, firstTurn: start, logger: logger)
            }
            // A named upload lives as long as the job: it no longer expires on its own.
            let named = Array(Set(items.compactMap(\.input.blobKey)))
            if !named.isEmpty {
                try await db.run("UPDATE uploads SET expires_at = NULL WHERE blob_key = ANY(\(named))", logger: logger)
            }
            for model in Set(items.map(\.model)) {
                try await db.run("SELECT pg_notify(\(Self.workChannel), \(model))", logger: logger)
            }
            try await db.insertAudit(audit, logger: logger)
            return job
        }
    }

    public func job(id: String, ownerKeyId: String) async throws -> Job? {
        let logger = logger
        return try await read { db in
            try await db.rows("SELECT * FROM jobs WHERE id = \(id) AND owner_key_id = \(ownerKeyId) AND deleted_at IS NULL AND purged_at IS NULL", logger: logger) {
                try $0.job()
            }.first
        }
    }

    public func items(jobId: String) async throws -> [JobItem] {
        let logger = logger
        return try await read { db in
            try await db.rows("SELECT * FROM items WHERE job_id = \(jobId) ORDER BY seq", logger: logger) { try $0.item() }
        }
    }

    public func item(jobId: String, clientId: String) async throws -> JobItem? {
        let logger = logger
        return try await read { db in
            try await db.rows("SELECT * FROM items WHERE job_id = \(jobId) AND client_id = \(clientId)", logger: logger) {
                try $0.item()
            }.first
        }
    }

    public func listJobs(ownerKeyId: String, after cursor: JobCursor?, limit: Int) async throws -> [Job] {
        let logger = logger
        return try await read { db in
            if let cursor {
                return try await db.rows(
                    """
                    SELECT * FROM jobs WHERE owner_key_id = \(ownerKeyId) AND deleted_at IS NULL AND purged_at IS NULL
                      AND (created_at, id) < (\(cursor.createdAt), \(cursor.id))
                    ORDER BY created_at DESC, id DESC LIMIT \(limit)
                    """,
                    logger: logger) { try $0.job() }
            }
            return try await db.rows(
                "SELECT * FROM jobs WHERE owner_key_id = \(ownerKeyId) AND deleted_at IS NULL AND purged_at IS NULL ORDER BY created_at DESC, id DESC LIMIT \(limit)",
                logger: logger) { try $0.job() }
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
        let logger = logger
        return try await transaction { db in
            guard let job = try await db.rows(
                "SELECT * FROM jobs WHERE id = \(id) AND owner_key_id = \(ownerKeyId) AND deleted_at IS NULL AND purged_at IS NULL", logger: logger, { try $0.job() }
            ).first else { return nil }
            let now = audit.at
            if deleting {
                try await db.run("UPDATE jobs SET deleted_at = \(now), idempotency_key = NULL WHERE id = \(id)", logger: logger)
            }
            if job.status.isTerminal {
                if deleting { try await db.insertAudit(audit, logger: logger) }
                return job
            }
            let cancelQueued = { @Sendable (db: PostgresConnection) in
                try await db.rows(
                    """
                    UPDATE items SET status = 'cancelled', finished_at = \(now), lease_owner = NULL, lease_expires_at = NULL
                    WHERE job_id = \(id) AND status = 'queued' RETURNING quota_reserved
                    """,
                    logger: logger) { try $0.optionalDouble("quota_reserved") ?? 0 }
            }
            // Items before the job row: the same lock order as claiming and finishing.
            var cancelled = try await cancelQueued(db)
            try await db.run("UPDATE jobs SET cancel_requested = true WHERE id = \(id)", logger: logger)
            guard let locked = try await db.lockedJob(id, logger: logger) else { return nil }
            // Again under the job's lock: a finish that held the job row between the first pass
            // and this lock may have put an item back in the queue for a retry. Any later finish
            // waits for this transaction and then sees `cancel_requested`.
            cancelled += try await cancelQueued(db)
            try await db.settleQuota(released: cancelled.reduce(0, +), charged: 0, of: locked, logger: logger)
            try await db.adjust(locked, now: now, logger: logger) { $0.move(cancelled.count, from: .queued, to: .cancelled) }
            try await db.insertAudit(audit, logger: logger)
            return try await db.rows("SELECT * FROM jobs WHERE id = \(id)", logger: logger) { try $0.job() }.first
        }
    }

    public func createKey(_ key: APIKeyRecord, audit: AuditEntry) async throws {
        let logger = logger
        let scopes = key.scopes.sorted().map(\.rawValue).joined(separator: " ")
        try await transaction { db in
            try await db.run(
                """
                INSERT INTO api_keys (id, prefix, secret_hash, owner, scopes, rate_per_minute, burst, created_at,
                  quota_audio_seconds, quota_characters)
                VALUES (\(key.id), \(key.prefix), \(key.secretHash), \(key.owner), \(scopes),
                  \(key.rate.perMinute), \(key.rate.burst), \(key.createdAt),
                  \(key.quotas.audioSecondsPerDay), \(key.quotas.charactersPerDay))
                """,
                logger: logger)
            try await db.insertAudit(audit, logger: logger)
        }
    }

    public func key(prefix: String) async throws -> APIKeyRecord? {
        let logger = logger
        return try await read { db in
            try await db.rows("SELECT * FROM api_keys WHERE prefix = \(prefix)", logger: logger) { try $0.apiKey() }.first
        }
    }

    public func listKeys() async throws -> [APIKeyRecord] {
        let logger = logger
        return try await read { db in
            try await db.rows("SELECT * FROM api_keys ORDER BY created_at, id", logger: logger) { try $0.apiKey() }
        }
    }

    public func revokeKey(_ idOrPrefix: String, audit: AuditEntry) async throws -> Bool {
        let logger = logger
        return try await transaction { db in
            let revoked = try await db.rows(
                """
                UPDATE api_keys SET revoked_at = \(audit.at)
                WHERE (id = \(idOrPrefix) OR prefix = \(idOrPrefix)) AND revoked_at IS NULL RETURNING id
                """,
                logger: logger) { try $0.string("id") }
            guard !revoked.isEmpty else { return false }
            try await db.insertAudit(audit, logger: logger)
            return true
        }
    }

    public func countKeys() async throws -> Int {
        let logger = logger
        return try await read { db in
            try await db.rows("SELECT COUNT(*)::integer AS n FROM api_keys", logger: logger) { try $0.int("n") }.first ?? 0
        }
    }

    public func usage(keyId: String, day: String) async throws -> Usage {
        let logger = logger
        return try await read { db in try await db.usage(owner: keyId, day: day, logger: logger) }
    }

    public func auditLog(limit: Int) async throws -> [AuditEntry] {
        let logger = logger
        return try await read { db in
            try await db.rows("SELECT * FROM audit_log ORDER BY id DESC LIMIT \(limit)", logger: logger) { try $0.audit() }
        }
    }

    public func queueDepth() async throws -> [QueueDepth] {
        let logger = logger
        return try await read { db in
            try await db.rows(
                """
                SELECT model, status, COUNT(*)::integer AS n FROM items
                WHERE status IN ('queued', 'running') GROUP BY model, status
                """,
                logger: logger
            ) { row -> QueueDepth? in
                guard let status = ItemStatus(rawValue: try row.string("status")) else { return nil }
                return QueueDepth(model: try row.string("model"), status: status, count: try row.int("n"))
            }.compactMap { $0 }
        }
    }

    public func ping() async throws {
        let logger = logger
        try await read { db in try await db.run("SELECT 1", logger: logger) }
    }
}

extension PostgresConnection {
    /// Reserves `count` consecutive turns for a key's new items: they continue from the key's
    /// last turn or from the front of the queue, whichever is later, so a key that arrives
    /// late takes turns with the keys already waiting instead of queueing behind them.
    func reserveTurns(owner: String, priority: Int, count: Int, logger: Logger) async throws -> Int64 {
        let next = try await rows(
            """
            INSERT INTO key_turns AS k (owner_key_id, priority, next_turn)
            VALUES (\(owner), \(priority), COALESCE((SELECT turn FROM items WHERE status = 'queued'
              AND priority = \(priority) ORDER BY turn LIMIT 1), 0) + \(count))
            ON CONFLICT (owner_key_id, priority)
              DO UPDATE SET next_turn = GREATEST(k.next_turn + \(count), EXCLUDED.next_turn)
            RETURNING next_turn
            """,
            logger: logger) { try $0.millis("next_turn") }.first ?? Int64(count)
        return next - Int64(count)
    }

    /// Inserts items with one statement: each column travels as one array parameter.
    func insertItems(_ items: [EnumeratedSequence<[JobItem]>.Element], firstTurn: Int64, logger: Logger) async throws {
        let rows = items.map(\.element)
        let turns = rows.indices.map { firstTurn + Int64($0) }
        try await run(
            """
            INSERT INTO items (id, job_id, seq, client_id, kind, job_type, input_ref, src_lng, tgt_lng, options, model,
              priority, owner_key_id, turn, status, attempts, max_attempts, run_after, created_at, quota_reserved)
            SELECT id, job_id, seq, client_id, kind, job_type, input_ref, NULLIF(src_lng, ''), NULLIF(tgt_lng, ''),
              NULLIF(options, ''), model, priority, owner_key_id, turn, status, attempts, max_attempts, run_after, created_at,
              quota_reserved
            FROM UNNEST(
              \(rows.map(\.id))::text[], \(rows.map(\.jobId))::text[], \(items.map { Int32($0.offset) })::integer[],
              \(rows.map(\.clientId))::text[], \(rows.map(\.kind.rawValue))::text[], \(rows.map(\.jobType.rawValue))::text[],
              \(rows.map(\.input.reference))::text[], \(rows.map { $0.srcLng ?? "" })::text[],
              \(rows.map { $0.tgtLng ?? "" })::text[], \(rows.map { $0.optionsJSON ?? "" })::text[], \(rows.map(\.model))::text[],
              \(rows.map { Int32($0.priority) })::integer[], \(rows.map(\.ownerKeyId))::text[], \(turns)::bigint[],
              \(rows.map(\.status.rawValue))::text[], \(rows.map { Int32($0.attempts) })::integer[],
              \(rows.map { Int32($0.maxAttempts) })::integer[], \(rows.map(\.runAfter))::bigint[],
              \(rows.map(\.createdAt))::bigint[], \(rows.map(\.quotaReserved))::double precision[])
              AS t(id, job_id, seq, client_id, kind, job_type, input_ref, src_lng, tgt_lng, options, model,
                   priority, owner_key_id, turn, status, attempts, max_attempts, run_after, created_at, quota_reserved)
            """,
            logger: logger)
    }
}
