import ParleyCore
import SQLiteNIO

extension SQLiteStore {
    public func reserveQuota(itemId: String, owner: String, amount: Double) async throws -> QuotaRefusal? {
        try await transaction { db in
            guard let item = try await db.runningItems([itemId], owner: owner).first, let job = try await db.job(item.jobId) else { return nil }
            let quotas = try await db.rows("SELECT * FROM api_keys WHERE id = ?", [.text(item.ownerKeyId)]).first?.apiKey().quotas
            if let refusal = try await db.reserve(QuotaNeed(kind: item.kind, amount: amount), for: job, quotas: quotas ?? Quotas()) {
                return refusal
            }
            try await db.run("UPDATE items SET quota_reserved = quota_reserved + ? WHERE id = ?", [.float(amount), .text(item.id)])
            return nil
        }
    }
}

extension SQLiteSession {
    /// The key's usage on `day`.
    func usage(owner: String, day: String) async throws -> Usage {
        try await rows("SELECT * FROM usage_daily WHERE owner_key_id = ? AND day = ?", [.text(owner), .text(day)]).first.map {
            Usage(audioSeconds: $0.optionalDouble("audio_seconds") ?? 0, characters: $0.int("characters"),
                  reservedAudioSeconds: $0.optionalDouble("reserved_audio_seconds") ?? 0, reservedCharacters: $0.int("reserved_characters"))
        } ?? Usage()
    }

    /// Reserves `need` on the job's quota day when `quotas` allow it, or returns why not,
    /// changing nothing. Only a limited key's reservations are kept (an unlimited key's
    /// items are still charged when they end). The caller's transaction serialises it.
    func reserve(_ need: QuotaNeed, for job: Job, quotas: Quotas) async throws -> QuotaRefusal? {
        guard quotas.isLimited else { return nil }
        if let refusal = quotas.refusal(of: need, given: try await usage(owner: job.ownerKeyId, day: job.quotaDay)) { return refusal }
        try await run(
            """
            INSERT INTO usage_daily (owner_key_id, day, reserved_audio_seconds, reserved_characters) VALUES (?, ?, ?, ?)
            ON CONFLICT (owner_key_id, day) DO UPDATE SET
              reserved_audio_seconds = reserved_audio_seconds + excluded.reserved_audio_seconds,
              reserved_characters = reserved_characters + excluded.reserved_characters
            """,
            [.text(job.ownerKeyId), .text(job.quotaDay), .float(need.audioSeconds), .integer(need.characters)])
        return nil
    }

    /// Settles what items of the job that just ended reserved and used (`QuotaSettlement.totals`):
    /// `released` leaves the day's reservations, `charged` is charged; one statement for them all.
    func settleQuota(released: Double, charged: Double, of job: Job) async throws {
        guard released > 0 || charged > 0 else { return }
        let (used, held) = job.itemKind == .audio ? ("audio_seconds", "reserved_audio_seconds") : ("characters", "reserved_characters")
        let charge: SQLiteData = job.itemKind == .audio ? .float(charged) : .integer(Int(charged.rounded()))
        let release: SQLiteData = job.itemKind == .audio ? .float(released) : .integer(Int(released.rounded()))
        try await run(
            """
            INSERT INTO usage_daily (owner_key_id, day, \(used)) VALUES (?, ?, ?)
            ON CONFLICT (owner_key_id, day) DO UPDATE SET \(used) = \(used) + excluded.\(used), \(held) = MAX(\(held) - ?, 0)
            """,
            [.text(job.ownerKeyId), .text(job.quotaDay), charge, release])
    }
}
