import ParleyCore
import PostgresNIO

extension PostgresStore: QueueStore {
    public func claim(model: String, limit: Int, owner: String, lease: Millis, now: Millis) async throws -> [JobItem] {
        let logger = logger
        return try await transaction { db in
            // One statement picks and leases the batch; SKIP LOCKED lets claimers pass each other.
            let claimed = try await db.rows(
                """
                WITH picked AS (
                  SELECT id FROM items
                  WHERE model = \(model) AND status = 'queued' AND run_after <= \(now)
                  ORDER BY priority DESC, turn, created_at, seq
                  LIMIT \(limit)
                  FOR UPDATE SKIP LOCKED),
                claimed AS (
                  UPDATE items AS i SET status = 'running', attempts = i.attempts + 1, lease_owner = \(owner),
                    lease_expires_at = \(now + lease), started_at = COALESCE(i.started_at, \(now))
                  FROM picked WHERE i.id = picked.id
                  RETURNING i.*)
                SELECT * FROM claimed ORDER BY priority DESC, turn, created_at, seq
                """,
                logger: logger) { try $0.item() }
            for (jobId, items) in Dictionary(grouping: claimed, by: \.jobId).sorted(by: { $0.key < $1.key }) {
                guard let job = try await db.lockedJob(jobId, logger: logger) else { continue }
                try await db.adjust(job, now: now, logger: logger) { $0.move(items.count, from: .queued, to: .running) }
            }
            return claimed
        }
    }

    public func heartbeat(itemIds: [String], owner: String, lease: Millis, now: Millis) async throws -> Int {
        guard !itemIds.isEmpty else { return 0 }
        let logger = logger
        return try await read { db in
            try await db.rows(
                """
                UPDATE items SET lease_expires_at = \(now + lease)
                WHERE status = 'running' AND lease_owner = \(owner) AND id = ANY(\(itemIds))
                RETURNING id
                """,
                logger: logger) { try $0.string("id") }.count
        }
    }

    public func finish(itemId: String, owner: String, outcome: ItemOutcome, now: Millis) async throws -> Bool {
        let logger = logger
        return try await transaction { db in
            guard let item = try await db.runningItem(itemId, owner: owner, logger: logger) else { return false }
            try await db.settle(item, outcome: outcome, now: now, logger: logger)
            return true
        }
    }

    public func release(itemIds: [String], owner: String, now: Millis) async throws -> Int {
        let logger = logger
        return try await transaction { db in
            var released = 0
            for id in itemIds.sorted() {
                guard let item = try await db.runningItem(id, owner: owner, logger: logger) else { continue }
                try await db.run("UPDATE items SET attempts = GREATEST(attempts - 1, 0) WHERE id = \(id)", logger: logger)
                try await db.settle(item, outcome: .retry(.workerLost, runAfter: now), now: now, logger: logger, recordError: false)
                released += 1
            }
            if released > 0 { try await db.run("SELECT pg_notify(\(Self.workChannel), '')", logger: logger) }
            return released
        }
    }

    public func rescueExpired(now: Millis) async throws -> Int {
        let logger = logger
        let rescued = try await transaction { db in
            // SKIP LOCKED: rescuers in other processes take other rows, or none.
            let expired = try await db.rows(
                """
                SELECT id, job_id, attempts >= max_attempts AS last FROM items
                WHERE status = 'running' AND lease_expires_at < \(now)
                ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED
                """,
                logger: logger) { (id: try $0.string("id"), jobId: try $0.string("job_id"), last: try $0.bool("last")) }
            // Per job, a few set-wise statements and one counter update, job rows in id order (items,
            // then jobs: the lock order of claiming and finishing), so rescuers hold a job row briefly.
            for (jobId, items) in Dictionary(grouping: expired, by: \.jobId).sorted(by: { $0.key < $1.key }) {
                guard let job = try await db.lockedJob(jobId, logger: logger) else { continue }
                let lost = ParleyError.workerLost
                let cancel = job.cancelRequested ? items.map(\.id) : []
                let fail = job.cancelRequested ? [] : items.filter(\.last).map(\.id)
                let requeue = job.cancelRequested ? [] : items.filter { !$0.last }.map(\.id)
                if !cancel.isEmpty {
                    try await db.run(
                        """
                        UPDATE items SET status = 'cancelled', finished_at = \(now), lease_owner = NULL, lease_expires_at = NULL
                        WHERE id = ANY(\(cancel))
                        """,
                        logger: logger)
                }
                if !fail.isEmpty {
                    try await db.run(
                        """
                        UPDATE items SET status = 'failed', error_code = \(lost.code), error_message = \(lost.message),
                          finished_at = \(now), lease_owner = NULL, lease_expires_at = NULL
                        WHERE id = ANY(\(fail))
                        """,
                        logger: logger)
                }
                if !requeue.isEmpty {
                    try await db.run(
                        """
                        UPDATE items SET status = 'queued', run_after = \(now), error_code = \(lost.code),
                          error_message = \(lost.message), lease_owner = NULL, lease_expires_at = NULL
                        WHERE id = ANY(\(requeue))
                        """,
                        logger: logger)
                }
                try await db.adjust(job, now: now, logger: logger) { counts in
                    counts.move(cancel.count, from: .running, to: .cancelled)
                    counts.move(fail.count, from: .running, to: .failed)
                    counts.move(requeue.count, from: .running, to: .queued)
                }
            }
            if !expired.isEmpty { try await db.run("SELECT pg_notify(\(Self.workChannel), '')", logger: logger) }
            return expired.count
        }
        if rescued > 0 { logger.warning("rescued expired leases", metadata: ["count": "\(rescued)"]) }
        return rescued
    }
}

extension PostgresConnection {
    /// The item, locked, if `owner` still holds its lease.
    func runningItem(_ id: String, owner: String, logger: Logger) async throws -> JobItem? {
        try await rows(
            "SELECT * FROM items WHERE id = \(id) AND status = 'running' AND lease_owner = \(owner) FOR UPDATE",
            logger: logger) { try $0.item() }.first
    }

    /// Moves a locked running item to where `outcome` says, or to `cancelled` when its job was cancelled,
    /// and updates the job's counters in the same transaction.
    func settle(_ item: JobItem, outcome: ItemOutcome, now: Millis, logger: Logger, recordError: Bool = true) async throws {
        guard let job = try await lockedJob(item.jobId, logger: logger) else { return }
        let target: ItemStatus
        switch (job.cancelRequested, outcome) {
        case (true, _):
            target = .cancelled
            try await run(
                """
                UPDATE items SET status = 'cancelled', finished_at = \(now), lease_owner = NULL, lease_expires_at = NULL
                WHERE id = \(item.id)
                """,
                logger: logger)
        case (false, .succeeded(let resultRef, let meta)):
            target = .succeeded
            try await run(
                """
                UPDATE items SET status = 'succeeded', result_ref = \(resultRef), model_used = \(meta.modelUsed),
                  detected_language = \(meta.detectedLanguage), language_probability = \(meta.languageProbability),
                  audio_seconds = \(meta.audioSeconds), error_code = NULL, error_message = NULL,
                  finished_at = \(now), lease_owner = NULL, lease_expires_at = NULL
                WHERE id = \(item.id)
                """,
                logger: logger)
            try await run(
                """
                INSERT INTO usage_daily AS u (owner_key_id, day, audio_seconds, characters)
                VALUES (\(item.ownerKeyId), \(Usage.day(now)), \(meta.audioSeconds ?? 0), \(meta.characters ?? 0))
                ON CONFLICT (owner_key_id, day) DO UPDATE SET audio_seconds = u.audio_seconds + EXCLUDED.audio_seconds,
                  characters = u.characters + EXCLUDED.characters
                """,
                logger: logger)
        case (false, .failed(let error)):
            target = .failed
            try await run(
                """
                UPDATE items SET status = 'failed', error_code = \(error.code), error_message = \(error.message),
                  finished_at = \(now), lease_owner = NULL, lease_expires_at = NULL
                WHERE id = \(item.id)
                """,
                logger: logger)
        case (false, .retry(let error, let runAfter)):
            target = .queued
            // A release keeps the item's last error: NULL binds leave the columns as they are.
            let (code, message) = recordError ? (error.code, error.message) : (nil, nil)
            try await run(
                """
                UPDATE items SET status = 'queued', run_after = \(runAfter), error_code = COALESCE(\(code), error_code),
                  error_message = COALESCE(\(message), error_message), lease_owner = NULL, lease_expires_at = NULL
                WHERE id = \(item.id)
                """,
                logger: logger)
        }
        try await adjust(job, now: now, logger: logger) { $0.move(from: .running, to: target) }
    }
}
