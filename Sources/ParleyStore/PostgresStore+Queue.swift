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
            // The jobs' counters last, each row locked by its own update (in id order, as
            // everywhere) until the commit; the status is written on a job's first claim only.
            for (jobId, items) in Dictionary(grouping: claimed, by: \.jobId).sorted(by: { $0.key < $1.key }) {
                guard let moved = try await db.move(jobId, by: JobCounts(queued: -items.count, running: items.count), now: now, logger: logger)
                else { continue }
                try await db.writeStatus(of: moved, now: now, logger: logger)
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

    public func finish(_ finishes: [ItemFinish], owner: String, now: Millis) async throws -> Set<String> {
        guard !finishes.isEmpty else { return [] }
        let logger = logger
        let outcomes = Dictionary(finishes.map { ($0.itemId, $0.outcome) }) { first, _ in first }
        return try await transaction { db in
            let held = try await db.runningItems(Array(outcomes.keys), owner: owner, logger: logger)
            try await db.settle(held, now: now, logger: logger) { job, item in
                .settle(outcomes[item.id]!, cancelRequested: job.cancelRequested, now: now)
            }
            return Set(held.map(\.id))
        }
    }

    public func release(itemIds: [String], owner: String, now: Millis) async throws -> Int {
        let logger = logger
        return try await transaction { db in
            let held = try await db.runningItems(itemIds, owner: owner, logger: logger)
            try await db.settle(held, now: now, logger: logger) { job, _ in .release(cancelRequested: job.cancelRequested, now: now) }
            if !held.isEmpty { try await db.run("SELECT pg_notify(\(Self.workChannel), '')", logger: logger) }
            return held.count
        }
    }

    public func rescueExpired(now: Millis) async throws -> Int {
        let logger = logger
        let rescued = try await transaction { db in
            // SKIP LOCKED: rescuers in other processes take other rows, or none.
            let expired = try await db.rows(
                """
                SELECT * FROM items WHERE status = 'running' AND lease_expires_at < \(now)
                ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED
                """,
                logger: logger) { try $0.item() }
            try await db.settle(expired, now: now, logger: logger) { job, item in
                .rescue(attempts: item.attempts, maxAttempts: item.maxAttempts, cancelRequested: job.cancelRequested, now: now)
            }
            if !expired.isEmpty { try await db.run("SELECT pg_notify(\(Self.workChannel), '')", logger: logger) }
            return expired.count
        }
        if rescued > 0 { logger.warning("rescued expired leases", metadata: ["count": "\(rescued)"]) }
        return rescued
    }
}

extension PostgresConnection {
    /// The items among `ids` whose lease `owner` still holds, locked, in id order.
    func runningItems(_ ids: [String], owner: String, logger: Logger) async throws -> [JobItem] {
        guard !ids.isEmpty else { return [] }
        return try await rows(
            """
            SELECT * FROM items WHERE id = ANY(\(ids)) AND status = 'running' AND lease_owner = \(owner)
            ORDER BY id FOR UPDATE
            """,
            logger: logger) { try $0.item() }
    }

    /// Moves locked running items as `decide` says, given each one's job: one statement for all
    /// the items, then per job (in id order) one relative counter update, then one usage update
    /// per key and day (the lock order of `Settlement`). A job row is locked only from its
    /// counter update to the commit, so finishers and claimers of one job pass each other; its
    /// status is written again only when the move changes it (a job that ends). Should the
    /// job's cancellation have been requested between the read and the lock, its items are
    /// decided again under the lock.
    func settle(_ items: [JobItem], now: Millis, logger: Logger, _ decide: (Job, JobItem) -> ItemTransition) async throws {
        var parts = try await Settlement.decide(items, job: { try await job($0, logger: logger) }, decide).parts
        guard !parts.isEmpty else { return }
        try await write(Settlement(parts: parts).writes(now: now), logger: logger)
        for index in parts.indices {
            let part = parts[index]
            guard var moved = try await move(part.job.id, by: part.counts, now: now, logger: logger) else { continue }
            if moved.cancelRequested != part.job.cancelRequested {
                let redone = Settlement.JobPart(job: moved, entries: part.entries.map { ($0.item, decide(moved, $0.item)) })
                try await write(Settlement(parts: [redone]).writes(now: now), logger: logger)
                moved = try await move(part.job.id, by: redone.counts.minus(part.counts), now: now, logger: logger) ?? moved
                parts[index] = redone
            }
            try await writeStatus(of: moved, now: now, logger: logger)
        }
        for change in Settlement(parts: parts).usage {
            try await settleQuota(released: change.released, charged: change.charged, of: change.job, logger: logger)
        }
    }

    /// Writes item rows in one statement.
    private func write(_ writes: [ItemWrite], logger: Logger) async throws {
        try await run(
            """
            UPDATE items AS i SET \(unescaped: ItemWrite.postgresAssignments)
            FROM jsonb_to_recordset(\(try ItemWrite.json(writes))::jsonb) AS v(\(unescaped: ItemWrite.postgresRecord))
            WHERE i.id = v.id
            """,
            logger: logger)
    }

    /// A job row `move` returned holds the new counts with the status the job had: `adjust`
    /// derives and writes the status (and an end's webhook and notification) when it changes.
    func writeStatus(of moved: Job, now: Millis, logger: Logger) async throws {
        let next = moved.adjusted(now: now) { _ in }
        guard next.status != moved.status || next.startedAt != moved.startedAt || next.finishedAt != moved.finishedAt else { return }
        try await adjust(moved, now: now, logger: logger) { _ in }
    }

    /// Adds `delta` to a job's counters (locking its row) and returns the row, status unchanged.
    func move(_ jobId: String, by delta: JobCounts, now: Millis, logger: Logger) async throws -> Job? {
        try await rows(
            """
            UPDATE jobs SET queued = queued + \(delta.queued), running = running + \(delta.running),
              succeeded = succeeded + \(delta.succeeded), failed = failed + \(delta.failed),
              cancelled = cancelled + \(delta.cancelled), updated_at = \(now)
            WHERE id = \(jobId) RETURNING *
            """,
            logger: logger) { try $0.job() }.first
    }
}
