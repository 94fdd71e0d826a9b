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

    public func finish(itemId: String, owner: String, outcome: ItemOutcome, now: Millis) async throws -> Bool {
        try await transaction { db in
            guard let item = try await db.runningItem(itemId, owner: owner) else { return false }
            try await db.settle(item, now: now) { .settle(outcome, cancelRequested: $0.cancelRequested, now: now) }
            return true
        }
    }

    public func release(itemIds: [String], owner: String, now: Millis) async throws -> Int {
        try await transaction { db in
            var released = 0
            for id in itemIds {
                guard let item = try await db.runningItem(id, owner: owner) else { continue }
                try await db.settle(item, now: now) { .release(cancelRequested: $0.cancelRequested, now: now) }
                released += 1
            }
            return released
        }
    }

    public func rescueExpired(now: Millis) async throws -> Int {
        try await transaction { db in
            let expired = try await db.rows(
                "SELECT * FROM items WHERE status = 'running' AND lease_expires_at < ?", [.millis(now)]
            ).map { try $0.item() }
            for item in expired {
                try await db.settle(item, now: now) {
                    .rescue(attempts: item.attempts, maxAttempts: item.maxAttempts, cancelRequested: $0.cancelRequested, now: now)
                }
            }
            if !expired.isEmpty { logger.warning("rescued expired leases", metadata: ["count": "\(expired.count)"]) }
            return expired.count
        }
    }
}

extension SQLiteSession {
    func runningItem(_ id: String, owner: String) async throws -> JobItem? {
        try await rows(
            "SELECT * FROM items WHERE id = ? AND status = 'running' AND lease_owner = ?", [.text(id), .text(owner)]
        ).first?.item()
    }

    /// Moves a running item as `decide` says, given its job, and updates the job's counters.
    func settle(_ item: JobItem, now: Millis, _ decide: (Job) -> ItemTransition) async throws {
        guard let job = try await job(item.jobId) else { return }
        let transition = decide(job)
        try await apply(transition, to: item, now: now)
        try await settleQuota(transition.quota, reserved: item.quotaReserved, count: 1, of: job)
        try await adjust(job, now: now) { transition.move(&$0) }
    }

    /// Writes a transition to a running item.
    func apply(_ transition: ItemTransition, to item: JobItem, now: Millis) async throws {
        let clearLease = "lease_owner = NULL, lease_expires_at = NULL"
        let attempts = "attempts = MAX(attempts - \(transition.refundsAttempt ? 1 : 0), 0)"
        let (code, message) = transition.error.recorded
        let finishedAt = SQLiteData.millis(transition.finishedAt)
        switch transition.status {
        case .succeeded:
            let meta = transition.metadata
            try await run(
                """
                UPDATE items SET status = 'succeeded', result_ref = ?, model_used = ?, detected_language = ?,
                  language_probability = ?, audio_seconds = ?, error_code = NULL, error_message = NULL,
                  finished_at = ?, \(clearLease) WHERE id = ?
                """,
                [.optionalText(transition.resultRef), .optionalText(meta?.modelUsed), .optionalText(meta?.detectedLanguage),
                 .optionalFloat(meta?.languageProbability), .optionalFloat(meta?.audioSeconds), finishedAt, .text(item.id)])
        case .failed:
            try await run(
                "UPDATE items SET status = 'failed', error_code = ?, error_message = ?, finished_at = ?, \(attempts), \(clearLease) WHERE id = ?",
                [.optionalText(code), .optionalText(message), finishedAt, .text(item.id)])
        case .queued:
            // A kept error binds NULL, which leaves the columns as they are.
            try await run(
                """
                UPDATE items SET status = 'queued', run_after = ?, error_code = COALESCE(?, error_code),
                  error_message = COALESCE(?, error_message), \(attempts), \(clearLease) WHERE id = ?
                """,
                [.millis(transition.runAfter ?? now), .optionalText(code), .optionalText(message), .text(item.id)])
        case .cancelled:
            try await run("UPDATE items SET status = 'cancelled', finished_at = ?, \(attempts), \(clearLease) WHERE id = ?",
                          [finishedAt, .text(item.id)])
        case .running:
            return  // never a transition's target
        }
    }
}
