import ParleyCore
import PostgresNIO

extension PostgresStore: QueueStore {
    public func claim(model: String, limit: Int, owner: String, lease: Millis, now: Millis) async throws -> [JobItem] {
        let logger = logger
        return try await transaction { db in
            // Ready candidates of each side, locked (SKIP LOCKED lets claimers pass each other);
            // `ClaimShare` decides how many of each the batch takes; one statement leases them.
            func ready(_ comparison: String) async throws -> [String] {
                try await db.rows(
                    """
                    SELECT id FROM items
                    WHERE model = \(model) AND status = 'queued' AND run_after <= \(now) AND priority \(unescaped: comparison) \(ClaimShare.synchronousPriority)
                    ORDER BY priority DESC, turn, created_at, seq
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                    """,
                    logger: logger) { try $0.string("id") }
            }
            let ids = ClaimShare.pick(limit: limit, synchronous: try await ready(">="), batch: try await ready("<"))
            guard !ids.isEmpty else { return [] }
            let claimed = try await db.rows(
                """
                WITH claimed AS (
                  UPDATE items AS i SET status = 'running', attempts = i.attempts + 1, lease_owner = \(owner),
                    lease_expires_at = \(now + lease), started_at = COALESCE(i.started_at, \(now))
                  WHERE i.id = ANY(\(ids))
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
            try await db.settle(item, now: now, logger: logger) { .settle(outcome, cancelRequested: $0.cancelRequested, now: now) }
            return true
        }
    }

    public func release(itemIds: [String], owner: String, now: Millis) async throws -> Int {
        let logger = logger
        return try await transaction { db in
            var released = 0
            for id in itemIds.sorted() {
                guard let item = try await db.runningItem(id, owner: owner, logger: logger) else { continue }
                try await db.settle(item, now: now, logger: logger) { .release(cancelRequested: $0.cancelRequested, now: now) }
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
                SELECT id, job_id, attempts, max_attempts, quota_reserved FROM items
                WHERE status = 'running' AND lease_expires_at < \(now)
                ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED
                """,
                logger: logger) { (id: try $0.string("id"), jobId: try $0.string("job_id"), attempts: try $0.int("attempts"),
                                   maxAttempts: try $0.int("max_attempts"), reserved: try $0.optionalDouble("quota_reserved") ?? 0) }
            // Per job, one set-wise statement per kind of transition and one counter update, job rows
            // in id order (items, then jobs: the lock order of claiming and finishing), so rescuers
            // hold a job row briefly.
            for (jobId, items) in Dictionary(grouping: expired, by: \.jobId).sorted(by: { $0.key < $1.key }) {
                guard let job = try await db.lockedJob(jobId, logger: logger) else { continue }
                let decided = items.map { item in
                    (id: item.id, reserved: item.reserved, transition: ItemTransition.rescue(
                        attempts: item.attempts, maxAttempts: item.maxAttempts, cancelRequested: job.cancelRequested, now: now))
                }
                let groups = Dictionary(grouping: decided, by: \.transition.status).values.compactMap { group in
                    group.first.map { (transition: $0.transition, ids: group.map(\.id), reserved: group.reduce(0) { $0 + $1.reserved }) }
                }
                for group in groups {
                    try await db.apply(group.transition, to: group.ids, now: now, logger: logger)
                    try await db.settleQuota(group.transition.quota, reserved: group.reserved, count: group.ids.count, of: job, logger: logger)
                }
                try await db.adjust(job, now: now, logger: logger) { counts in
                    for group in groups { group.transition.move(&counts, items: group.ids.count) }
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

    /// Moves a locked running item as `decide` says, given its job (locked), and updates the
    /// job's counters in the same transaction.
    func settle(_ item: JobItem, now: Millis, logger: Logger, _ decide: (Job) -> ItemTransition) async throws {
        guard let job = try await lockedJob(item.jobId, logger: logger) else { return }
        let transition = decide(job)
        try await apply(transition, to: [item.id], now: now, logger: logger)
        try await settleQuota(transition.quota, reserved: item.quotaReserved, count: 1, of: job, logger: logger)
        try await adjust(job, now: now, logger: logger) { transition.move(&$0) }
    }

    /// Writes a transition to running items the caller has locked.
    func apply(_ transition: ItemTransition, to ids: [String], now: Millis, logger: Logger) async throws {
        let refund = transition.refundsAttempt ? 1 : 0
        let (code, message) = transition.error.recorded
        switch transition.status {
        case .succeeded:
            let meta = transition.metadata
            try await run(
                """
                UPDATE items SET status = 'succeeded', result_ref = \(transition.resultRef), model_used = \(meta?.modelUsed),
                  detected_language = \(meta?.detectedLanguage), language_probability = \(meta?.languageProbability),
                  audio_seconds = \(meta?.audioSeconds), error_code = NULL, error_message = NULL,
                  finished_at = \(transition.finishedAt), lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ANY(\(ids))
                """,
                logger: logger)
        case .failed:
            try await run(
                """
                UPDATE items SET status = 'failed', error_code = \(code), error_message = \(message), finished_at = \(transition.finishedAt),
                  attempts = GREATEST(attempts - \(refund), 0), lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ANY(\(ids))
                """,
                logger: logger)
        case .queued:
            // A kept error binds NULL, which leaves the columns as they are.
            try await run(
                """
                UPDATE items SET status = 'queued', run_after = \(transition.runAfter ?? now), error_code = COALESCE(\(code), error_code),
                  error_message = COALESCE(\(message), error_message), attempts = GREATEST(attempts - \(refund), 0),
                  lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ANY(\(ids))
                """,
                logger: logger)
        case .cancelled:
            try await run(
                """
                UPDATE items SET status = 'cancelled', finished_at = \(transition.finishedAt),
                  attempts = GREATEST(attempts - \(refund), 0), lease_owner = NULL, lease_expires_at = NULL
                WHERE id = ANY(\(ids))
                """,
                logger: logger)
        case .running:
            return  // never a transition's target
        }
    }
}
