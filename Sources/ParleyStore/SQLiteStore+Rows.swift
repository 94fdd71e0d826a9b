import Foundation
import ParleyCore
import SQLiteNIO

extension SQLiteSession {
    func insertAudit(_ entry: AuditEntry) async throws {
        try await run(
            "INSERT INTO audit_log (at, key_id, action, target, request_id, remote_addr) VALUES (?, ?, ?, ?, ?, ?)",
            [.millis(entry.at), .optionalText(entry.keyId), .text(entry.action), .text(entry.target),
             .optionalText(entry.requestId), .optionalText(entry.remoteAddress)])
    }

    func job(_ id: String) async throws -> Job? {
        try await rows("SELECT * FROM jobs WHERE id = ?", [.text(id)]).first?.job()
    }

    /// Applies item moves to a job's counters and re-derives its status, in the caller's transaction.
    func adjustJob(_ jobId: String, now: Millis, _ change: (inout JobCounts) -> Void) async throws {
        guard let job = try await job(jobId) else { return }
        try await adjust(job, now: now, change)
    }

    /// As `adjustJob`, for a job row the caller already read in this transaction.
    func adjust(_ job: Job, now: Millis, _ change: (inout JobCounts) -> Void) async throws {
        let next = job.adjusted(now: now, change)
        let counts = next.counts
        try await run(
            """
            UPDATE jobs SET queued = ?, running = ?, succeeded = ?, failed = ?, cancelled = ?,
              status = ?, updated_at = ?, started_at = ?, finished_at = ? WHERE id = ?
            """,
            [.integer(counts.queued), .integer(counts.running), .integer(counts.succeeded),
             .integer(counts.failed), .integer(counts.cancelled), .text(next.status.rawValue),
             .millis(next.updatedAt), .millis(next.startedAt), .millis(next.finishedAt), .text(job.id)])
        if let delivery = job.webhookDelivery(endingIn: next, id: Identifier.make("whd")) {
            try await insertWebhook(delivery)
        }
        // A waiter reads the job only after this transaction ends: it needs the connection.
        if next.status.isTerminal && !job.status.isTerminal { jobEnds.notify(jobId: job.id) }
    }
}
