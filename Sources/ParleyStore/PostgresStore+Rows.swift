import Foundation
import ParleyCore
import PostgresNIO

/// Typed access to a Postgres result row's columns.
struct PGRow {
    let raw: PostgresRandomAccessRow

    init(_ row: PostgresRow) { raw = row.makeRandomAccess() }

    func string(_ name: String) throws -> String { try raw[name].decode(String.self) }
    func optionalString(_ name: String) throws -> String? { try raw[name].decode(String?.self) }
    func int(_ name: String) throws -> Int { try raw[name].decode(Int.self) }
    func millis(_ name: String) throws -> Millis { try raw[name].decode(Int64.self) }
    func optionalMillis(_ name: String) throws -> Millis? { try raw[name].decode(Int64?.self) }
    func optionalDouble(_ name: String) throws -> Double? { try raw[name].decode(Double?.self) }
    func bool(_ name: String) throws -> Bool { try raw[name].decode(Bool.self) }

    func job() throws -> Job {
        let options = (try? JSONDecoder().decode(JobOptions.self, from: Data(try string("options").utf8))) ?? JobOptions()
        return Job(
            id: try string("id"), ownerKeyId: try string("owner_key_id"),
            type: JobType(rawValue: try string("job_type")) ?? .asr,
            status: JobStatus(rawValue: try string("status")) ?? .queued,
            priority: try int("priority"), options: options, idempotencyKey: try optionalString("idempotency_key"),
            counts: JobCounts(
                total: try int("total"), queued: try int("queued"), running: try int("running"),
                succeeded: try int("succeeded"), failed: try int("failed"), cancelled: try int("cancelled")),
            cancelRequested: try bool("cancel_requested"),
            createdAt: try millis("created_at"), updatedAt: try millis("updated_at"),
            startedAt: try optionalMillis("started_at"), finishedAt: try optionalMillis("finished_at"))
    }

    func item() throws -> JobItem {
        JobItem(
            id: try string("id"), jobId: try string("job_id"), clientId: try string("client_id"),
            kind: ItemKind(rawValue: try string("kind")) ?? .audio,
            jobType: JobType(rawValue: try string("job_type")) ?? .asr,
            input: ItemInput(reference: try string("input_ref")) ?? .text(""),
            srcLng: try optionalString("src_lng"), tgtLng: try optionalString("tgt_lng"), model: try string("model"),
            priority: try int("priority"), ownerKeyId: try string("owner_key_id"),
            status: ItemStatus(rawValue: try string("status")) ?? .queued,
            attempts: try int("attempts"), maxAttempts: try int("max_attempts"), runAfter: try millis("run_after"),
            leaseOwner: try optionalString("lease_owner"), leaseExpiresAt: try optionalMillis("lease_expires_at"),
            resultRef: try optionalString("result_ref"), errorCode: try optionalString("error_code"),
            errorMessage: try optionalString("error_message"), modelUsed: try optionalString("model_used"),
            detectedLanguage: try optionalString("detected_language"),
            languageProbability: try optionalDouble("language_probability"),
            audioSeconds: try optionalDouble("audio_seconds"), createdAt: try millis("created_at"),
            startedAt: try optionalMillis("started_at"), finishedAt: try optionalMillis("finished_at"))
    }

    func apiKey() throws -> APIKeyRecord {
        APIKeyRecord(
            id: try string("id"), prefix: try string("prefix"), secretHash: try string("secret_hash"), owner: try string("owner"),
            scopes: Set(try string("scopes").split(separator: " ").compactMap { Scope(rawValue: String($0)) }),
            rate: RateSettings(perMinute: try int("rate_per_minute"), burst: try int("burst")),
            quotas: Quotas(
                audioSecondsPerDay: try optionalDouble("quota_audio_seconds"),
                charactersPerDay: try raw["quota_characters"].decode(Int?.self)),
            createdAt: try millis("created_at"), revokedAt: try optionalMillis("revoked_at"))
    }

    func audit() throws -> AuditEntry {
        AuditEntry(
            at: try millis("at"), keyId: try optionalString("key_id"), action: try string("action"),
            target: try string("target"), requestId: try optionalString("request_id"),
            remoteAddress: try optionalString("remote_addr"))
    }
}

extension PostgresConnection {
    /// Runs `query` and maps every row.
    func rows<T>(_ query: PostgresQuery, logger: Logger, _ transform: (PGRow) throws -> T) async throws -> [T] {
        var values: [T] = []
        for try await row in try await self.query(query, logger: logger) {
            values.append(try transform(PGRow(row)))
        }
        return values
    }

    /// Runs a statement, discarding any rows.
    func run(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await self.query(query, logger: logger).collect()
    }

    func insertAudit(_ entry: AuditEntry, logger: Logger) async throws {
        try await run(
            """
            INSERT INTO audit_log (at, key_id, action, target, request_id, remote_addr)
            VALUES (\(entry.at), \(entry.keyId), \(entry.action), \(entry.target), \(entry.requestId), \(entry.remoteAddress))
            """,
            logger: logger)
    }

    /// The job row, locked until the transaction ends.
    func lockedJob(_ id: String, logger: Logger) async throws -> Job? {
        try await rows("SELECT * FROM jobs WHERE id = \(id) FOR UPDATE", logger: logger) { try $0.job() }.first
    }

    /// Applies item moves to a locked job row's counters and re-derives its status.
    func adjust(_ job: Job, now: Millis, logger: Logger, _ change: (inout JobCounts) -> Void) async throws {
        var counts = job.counts
        change(&counts)
        let status = JobStatus.derive(from: counts, cancelRequested: job.cancelRequested)
        let started = job.startedAt ?? (counts.running + counts.finished > 0 ? now : nil)
        let finished = status.isTerminal ? (job.finishedAt ?? now) : nil
        try await run(
            """
            UPDATE jobs SET queued = \(counts.queued), running = \(counts.running), succeeded = \(counts.succeeded),
              failed = \(counts.failed), cancelled = \(counts.cancelled), status = \(status.rawValue),
              updated_at = \(now), started_at = \(started), finished_at = \(finished)
            WHERE id = \(job.id)
            """,
            logger: logger)
    }
}
