import Foundation
import ParleyCore
import PostgresNIO

/// Typed access to a Postgres result row's columns.
struct PGRow: ColumnReader {
    let raw: PostgresRandomAccessRow

    init(_ row: PostgresRow) { raw = row.makeRandomAccess() }

    func string(_ name: String) throws -> String { try raw[name].decode(String.self) }
    func optionalString(_ name: String) throws -> String? { try raw[name].decode(String?.self) }
    func int(_ name: String) throws -> Int { try raw[name].decode(Int.self) }
    func optionalInt(_ name: String) throws -> Int? { try raw[name].decode(Int?.self) }
    func millis(_ name: String) throws -> Millis { try raw[name].decode(Int64.self) }
    func optionalMillis(_ name: String) throws -> Millis? { try raw[name].decode(Int64?.self) }
    func optionalDouble(_ name: String) throws -> Double? { try raw[name].decode(Double?.self) }
    func bool(_ name: String) throws -> Bool { try raw[name].decode(Bool.self) }
}

extension PostgresConnection {
    /// Runs `query`, refusing a connection that has closed: PostgresNIO drops a query written
    /// to a closed channel without ever answering it, which would hold the caller forever.
    func statement(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        guard !isClosed else { throw ParleyError.storeUnavailable() }
        return try await self.query(query, logger: logger)
    }

    /// Runs `query` and maps every row.
    func rows<T>(_ query: PostgresQuery, logger: Logger, _ transform: (PGRow) throws -> T) async throws -> [T] {
        var values: [T] = []
        for try await row in try await statement(query, logger: logger) {
            values.append(try transform(PGRow(row)))
        }
        return values
    }

    /// Runs a statement, discarding any rows.
    func run(_ query: PostgresQuery, logger: Logger) async throws {
        _ = try await statement(query, logger: logger).collect()
    }

    func insertAudit(_ entry: AuditEntry, logger: Logger) async throws {
        try await run(
            """
            INSERT INTO audit_log (at, key_id, action, target, request_id, remote_addr)
            VALUES (\(entry.at), \(entry.keyId), \(entry.action), \(entry.target), \(entry.requestId), \(entry.remoteAddress))
            """,
            logger: logger)
    }

    /// The job row, unlocked.
    func job(_ id: String, logger: Logger) async throws -> Job? {
        try await rows("SELECT * FROM jobs WHERE id = \(id)", logger: logger) { try $0.job() }.first
    }

    /// The job row, locked until the transaction ends.
    func lockedJob(_ id: String, logger: Logger) async throws -> Job? {
        try await rows("SELECT * FROM jobs WHERE id = \(id) FOR UPDATE", logger: logger) { try $0.job() }.first
    }

    /// Applies item moves to a locked job row's counters and re-derives its status.
    func adjust(_ job: Job, now: Millis, logger: Logger, _ change: (inout JobCounts) -> Void) async throws {
        let next = job.adjusted(now: now, change)
        let counts = next.counts
        try await run(
            """
            UPDATE jobs SET queued = \(counts.queued), running = \(counts.running), succeeded = \(counts.succeeded),
              failed = \(counts.failed), cancelled = \(counts.cancelled), status = \(next.status.rawValue),
              updated_at = \(next.updatedAt), started_at = \(next.startedAt), finished_at = \(next.finishedAt)
            WHERE id = \(job.id)
            """,
            logger: logger)
        if let delivery = job.webhookDelivery(endingIn: next, id: Identifier.make("whd")) {
            try await insertWebhook(delivery, logger: logger)
        }
        if next.status.isTerminal && !job.status.isTerminal {
            // Delivered at commit, to every process listening (`PostgresWorkListener`).
            try await run("SELECT pg_notify(\(PostgresStore.jobEndChannel), \(job.id))", logger: logger)
        }
    }
}
