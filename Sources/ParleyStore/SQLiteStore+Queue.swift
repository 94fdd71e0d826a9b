import ParleyCore
import SQLiteNIO

extension SQLiteStore: QueueStore {
    public func claim(model: String, limit: Int, owner: String, lease: Millis, now: Millis) async throws -> [JobItem] {
        try await transaction { db in
            // Round-robin across keys within a priority: each key's n-th ready item takes turn n.
            // `ClaimShare` decides how many synchronous and batch items the batch takes.
            func ready(_ comparison: String) async throws -> [String] {
                try await db.rows(
                    """
                    SELECT id FROM (
                      SELECT id, priority, created_at, seq,
                        ROW_NUMBER() OVER (PARTITION BY priority, owner_key_id ORDER BY created_at, seq) AS turn
                      FROM items WHERE model = ? AND status = 'queued' AND run_after <= ? AND priority \(comparison) \(ClaimShare.synchronousPriority))
                    ORDER BY priority DESC, turn, created_at, seq LIMIT ?
                    """,
                    [.text(model), .millis(now), .integer(limit)]
                ).map { $0.string("id") }
            }
            let ids = ClaimShare.pick(limit: limit, synchronous: try await ready(">="), batch: try await ready("<"))
            guard !ids.isEmpty else { return [] }
            let claimed = try await db.rows(
                """
                UPDATE items SET status = 'running', attempts = attempts + 1, lease_owner = ?,
                  lease_expires_at = ?, started_at = COALESCE(started_at, ?)
                WHERE status = 'queued' AND id IN (\(SQLiteSession.placeholders(ids.count))) RETURNING *
                """,
                [.text(owner), .millis(now + lease), .millis(now)] + ids.map { .text($0) }
            ).map { try $0.item() }
            for (jobId, items) in Dictionary(grouping: claimed, by: \.jobId) {
                try await db.adjustJob(jobId, now: now) { $0.move(items.count, from: .queued, to: .running) }
            }
            let order = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
            return claimed.sorted { order[$0.id, default: 0] < order[$1.id, default: 0] }
        }
    }

    public func heartbeat(itemIds: [String], owner: String, lease: Millis, now: Millis) async throws -> Int {
        guard !itemIds.isEmpty else { return 0 }
        return try await transaction { db in
            try await db.rows(
                """
                UPDATE items SET lease_expires_at = ?
                WHERE status = 'running' AND lease_owner = ? AND id IN (\(SQLiteSession.placeholders(itemIds.count)))
                RETURNING id
                """,
                [.millis(now + lease), .text(owner)] + itemIds.map { .text($0) }
            ).count
        }
    }

    public func finish(_ finishes: [ItemFinish], owner: String, now: Millis) async throws -> Set<String> {
        guard !finishes.isEmpty else { return [] }
        let outcomes = Dictionary(finishes.map { ($0.itemId, $0.outcome) }) { first, _ in first }
        return try await transaction { db in
            let held = try await db.runningItems(Array(outcomes.keys), owner: owner)
            try await db.settle(held, now: now) { job, item in
                .settle(outcomes[item.id]!, cancelRequested: job.cancelRequested, now: now)
            }
            return Set(held.map(\.id))
        }
    }

    public func release(itemIds: [String], owner: String, now: Millis) async throws -> Int {
        try await transaction { db in
            let held = try await db.runningItems(itemIds, owner: owner)
            try await db.settle(held, now: now) { job, _ in .release(cancelRequested: job.cancelRequested, now: now) }
            return held.count
        }
    }

    public func rescueExpired(now: Millis) async throws -> Int {
        try await transaction { db in
            let expired = try await db.rows(
                "SELECT * FROM items WHERE status = 'running' AND lease_expires_at < ?", [.millis(now)]
            ).map { try $0.item() }
            try await db.settle(expired, now: now) { job, item in
                .rescue(attempts: item.attempts, maxAttempts: item.maxAttempts, cancelRequested: job.cancelRequested, now: now)
            }
            if !expired.isEmpty { logger.warning("rescued expired leases", metadata: ["count": "\(expired.count)"]) }
            return expired.count
        }
    }
}

extension SQLiteSession {
    /// The items among `ids` whose lease `owner` still holds.
    func runningItems(_ ids: [String], owner: String) async throws -> [JobItem] {
        guard !ids.isEmpty else { return [] }
        return try await rows(
            "SELECT * FROM items WHERE status = 'running' AND lease_owner = ? AND id IN (\(SQLiteSession.placeholders(ids.count)))",
            [.text(owner)] + ids.map { .text($0) }
        ).map { try $0.item() }
    }

    /// Moves running items as `decide` says, given each one's job: one statement for all the
    /// items, one counter update per job, one usage update per key and day.
    func settle(_ items: [JobItem], now: Millis, _ decide: (Job, JobItem) -> ItemTransition) async throws {
        let settlement = try await Settlement.decide(items, job: { try await job($0) }, decide)
        let writes = settlement.writes(now: now)
        guard !writes.isEmpty else { return }
        try await run(
            """
            UPDATE items AS i SET \(ItemWrite.sqliteAssignments)
            FROM (SELECT \(ItemWrite.sqliteFields) FROM json_each(?)) AS v WHERE i.id = v.id
            """,
            [.text(try ItemWrite.json(writes))])
        for part in settlement.parts {
            try await adjust(part.job, now: now) { counts in
                for entry in part.entries { entry.transition.move(&counts) }
            }
        }
        for change in settlement.usage {
            try await settleQuota(released: change.released, charged: change.charged, of: change.job)
        }
    }
}
