import ParleyCore
import PostgresNIO

extension PostgresStore {
    public func reserveQuota(itemId: String, owner: String, amount: Double) async throws -> QuotaRefusal? {
        let logger = logger
        return try await transaction { db in
            guard let item = try await db.runningItems([itemId], owner: owner, logger: logger).first,
                  let job = try await db.job(item.jobId, logger: logger)
            else { return nil }
            let quotas = try await db.rows("SELECT * FROM api_keys WHERE id = \(item.ownerKeyId)", logger: logger) { try $0.apiKey() }.first?.quotas
            if let refusal = try await db.reserve(QuotaNeed(kind: item.kind, amount: amount), for: job, quotas: quotas ?? Quotas(), logger: logger) {
                return refusal
            }
            try await db.run("UPDATE items SET quota_reserved = quota_reserved + \(amount) WHERE id = \(item.id)", logger: logger)
            return nil
        }
    }
}

extension PostgresConnection {
    /// The key's usage on `day`; `locking` holds its row until the transaction ends.
    func usage(owner: String, day: String, locking: Bool = false, logger: Logger) async throws -> Usage {
        try await rows(
            "SELECT * FROM usage_daily WHERE owner_key_id = \(owner) AND day = \(day) \(unescaped: locking ? "FOR UPDATE" : "")",
            logger: logger
        ) {
            Usage(audioSeconds: try $0.optionalDouble("audio_seconds") ?? 0, characters: try $0.int("characters"),
                  reservedAudioSeconds: try $0.optionalDouble("reserved_audio_seconds") ?? 0, reservedCharacters: try $0.int("reserved_characters"))
        }.first ?? Usage()
    }

    /// Reserves `need` on the job's quota day when `quotas` allow it, or returns why not,
    /// changing nothing. Only a limited key's reservations are kept (an unlimited key's
    /// items are still charged when they end), so only a limited key's submissions queue on
    /// its day's row, which is locked until the caller's transaction ends.
    func reserve(_ need: QuotaNeed, for job: Job, quotas: Quotas, logger: Logger) async throws -> QuotaRefusal? {
        guard quotas.isLimited else { return nil }
        try await run(
            "INSERT INTO usage_daily (owner_key_id, day) VALUES (\(job.ownerKeyId), \(job.quotaDay)) ON CONFLICT DO NOTHING",
            logger: logger)
        let usage = try await usage(owner: job.ownerKeyId, day: job.quotaDay, locking: true, logger: logger)
        if let refusal = quotas.refusal(of: need, given: usage) { return refusal }
        try await run(
            """
            UPDATE usage_daily SET reserved_audio_seconds = reserved_audio_seconds + \(need.audioSeconds),
              reserved_characters = reserved_characters + \(need.characters)
            WHERE owner_key_id = \(job.ownerKeyId) AND day = \(job.quotaDay)
            """,
            logger: logger)
        return nil
    }

    /// Settles what items of the job that just ended reserved and used (`QuotaSettlement.totals`):
    /// `released` leaves the day's reservations, `charged` is charged; one statement for them all.
    func settleQuota(released: Double, charged: Double, of job: Job, logger: Logger) async throws {
        guard released > 0 || charged > 0 else { return }
        let audio = job.itemKind == .audio
        try await run(
            """
            INSERT INTO usage_daily AS u (owner_key_id, day, audio_seconds, characters)
            VALUES (\(job.ownerKeyId), \(job.quotaDay), \(audio ? charged : 0), \(audio ? 0 : Int(charged.rounded())))
            ON CONFLICT (owner_key_id, day) DO UPDATE SET audio_seconds = u.audio_seconds + EXCLUDED.audio_seconds,
              characters = u.characters + EXCLUDED.characters,
              reserved_audio_seconds = GREATEST(u.reserved_audio_seconds - \(audio ? released : 0), 0),
              reserved_characters = GREATEST(u.reserved_characters - \(audio ? 0 : Int(released.rounded())), 0)
            """,
            logger: logger)
    }
}
