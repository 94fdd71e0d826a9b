import Foundation
import ParleyCore
import SQLiteNIO

/// Mapping between rows and domain values.
extension Row {
    var job: Job {
        let options = (try? JSONDecoder().decode(JobOptions.self, from: Data(string("options").utf8))) ?? JobOptions()
        return Job(
            id: string("id"), ownerKeyId: string("owner_key_id"),
            type: JobType(rawValue: string("job_type")) ?? .asr,
            status: JobStatus(rawValue: string("status")) ?? .queued,
            priority: int("priority"), options: options, idempotencyKey: optionalString("idempotency_key"),
            counts: JobCounts(
                total: int("total"), queued: int("queued"), running: int("running"),
                succeeded: int("succeeded"), failed: int("failed"), cancelled: int("cancelled")),
            cancelRequested: int("cancel_requested") != 0,
            createdAt: millis("created_at"), updatedAt: millis("updated_at"),
            startedAt: optionalMillis("started_at"), finishedAt: optionalMillis("finished_at"))
    }

    var item: JobItem {
        JobItem(
            id: string("id"), jobId: string("job_id"), clientId: string("client_id"),
            kind: ItemKind(rawValue: string("kind")) ?? .audio,
            jobType: JobType(rawValue: string("job_type")) ?? .asr,
            input: ItemInput(reference: string("input_ref")) ?? .text(""),
            srcLng: optionalString("src_lng"), tgtLng: optionalString("tgt_lng"), model: string("model"),
            priority: int("priority"), ownerKeyId: string("owner_key_id"),
            status: ItemStatus(rawValue: string("status")) ?? .queued,
            attempts: int("attempts"), maxAttempts: int("max_attempts"), runAfter: millis("run_after"),
            leaseOwner: optionalString("lease_owner"), leaseExpiresAt: optionalMillis("lease_expires_at"),
            resultRef: optionalString("result_ref"), errorCode: optionalString("error_code"),
            errorMessage: optionalString("error_message"), modelUsed: optionalString("model_used"),
            detectedLanguage: optionalString("detected_language"),
            languageProbability: optionalDouble("language_probability"),
            audioSeconds: optionalDouble("audio_seconds"), createdAt: millis("created_at"),
            startedAt: optionalMillis("started_at"), finishedAt: optionalMillis("finished_at"))
    }

    var apiKey: APIKeyRecord {
        APIKeyRecord(
            id: string("id"), prefix: string("prefix"), secretHash: string("secret_hash"), owner: string("owner"),
            scopes: Set(string("scopes").split(separator: " ").compactMap { Scope(rawValue: String($0)) }),
            rate: RateSettings(perMinute: int("rate_per_minute"), burst: int("burst")),
            quotas: Quotas(audioSecondsPerDay: optionalDouble("quota_audio_seconds"), charactersPerDay: optionalInt("quota_characters")),
            createdAt: millis("created_at"), revokedAt: optionalMillis("revoked_at"))
    }

    var audit: AuditEntry {
        AuditEntry(
            at: millis("at"), keyId: optionalString("key_id"), action: string("action"), target: string("target"),
            requestId: optionalString("request_id"), remoteAddress: optionalString("remote_addr"))
    }
}

extension SQLiteSession {
    func insertAudit(_ entry: AuditEntry) async throws {
        try await run(
            "INSERT INTO audit_log (at, key_id, action, target, request_id, remote_addr) VALUES (?, ?, ?, ?, ?, ?)",
            [.millis(entry.at), .optionalText(entry.keyId), .text(entry.action), .text(entry.target),
             .optionalText(entry.requestId), .optionalText(entry.remoteAddress)])
    }

    func job(_ id: String) async throws -> Job? {
        try await rows("SELECT * FROM jobs WHERE id = ?", [.text(id)]).first?.job
    }

    /// Applies item moves to a job's counters and re-derives its status, in the caller's transaction.
    func adjustJob(_ jobId: String, now: Millis, _ change: (inout JobCounts) -> Void) async throws {
        guard let job = try await job(jobId) else { return }
        try await adjust(job, now: now, change)
    }

    /// As `adjustJob`, for a job row the caller already read in this transaction.
    func adjust(_ job: Job, now: Millis, _ change: (inout JobCounts) -> Void) async throws {
        var counts = job.counts
        change(&counts)
        let status = JobStatus.derive(from: counts, cancelRequested: job.cancelRequested)
        let started = job.startedAt ?? (counts.running + counts.finished > 0 ? now : nil)
        let finished = status.isTerminal ? (job.finishedAt ?? now) : nil
        try await run(
            """
            UPDATE jobs SET queued = ?, running = ?, succeeded = ?, failed = ?, cancelled = ?,
              status = ?, updated_at = ?, started_at = ?, finished_at = ? WHERE id = ?
            """,
            [.integer(counts.queued), .integer(counts.running), .integer(counts.succeeded),
             .integer(counts.failed), .integer(counts.cancelled), .text(status.rawValue),
             .millis(now), .millis(started), .millis(finished), .text(job.id)])
    }
}
