import Logging
import NIOCore
import ParleyCore
import PostgresNIO
import ServiceLifecycle

/// The production store: metadata and a `FOR UPDATE SKIP LOCKED` queue in Postgres,
/// shared by any number of API and worker processes.
///
/// The connection pool runs as a `Service`; put it first in a service group so it
/// shuts down after the worker has released its leases.
public final class PostgresStore: Service, Sendable {
    /// The channel `LISTEN`/`NOTIFY` uses to wake idle workers.
    public static let workChannel = "parley_work"
    /// The channel that announces a job's end; the payload is the job id.
    public static let jobEndChannel = "parley_job_end"

    let client: PostgresClient
    public let settings: PostgresSettings
    let logger: Logger
    /// Announces each job's end in this process, fed by `PostgresWorkListener`.
    public let jobEnds = JobEndSignal()

    public init(settings: PostgresSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        self.client = PostgresClient(configuration: settings.clientConfiguration, backgroundLogger: logger)
    }

    /// Runs the connection pool until graceful shutdown or cancellation.
    public func run() async throws {
        try await cancelWhenGracefulShutdown { await self.client.run() }
    }

    /// Opens one connection and closes it: fails within seconds, with the cause, when the
    /// server is unreachable or refuses the credentials (the pool would keep retrying instead).
    public func checkReachable() async throws {
        try await withDirectConnection { _ in }
    }

    /// Applies pending migrations under an advisory lock, so concurrent migrators are safe.
    public func migrate() async throws {
        try await withDirectConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)",
                    logger: logger)
                var applied = Set<Int>()
                for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: logger)
                    .decode(Int.self) { applied.insert(version) }
                for migration in PostgresMigrations.all where !applied.contains(migration.version) {
                    for statement in migration.statements { try await connection.query(statement, logger: logger) }
                    try await connection.query(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (\(migration.version), \(Millis.now()))",
                        logger: logger)
                    logger.info("applied Postgres migration", metadata: ["version": "\(migration.version)"])
                }
                try await connection.query("COMMIT", logger: logger)
            } catch {
                if !connection.isClosed { _ = try? await connection.query("ROLLBACK", logger: logger) }
                throw error
            }
        }
    }

    /// Fails with a clear message unless the schema is fully migrated.
    public func requireMigrated() async throws {
        let version = try await withDirectConnection { connection -> Int in
            let exists = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
                .decode(Bool.self).first { _ in true } ?? false
            guard exists else { return 0 }
            return try await connection.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: logger)
                .decode(Int.self).first { _ in true } ?? 0
        }
        guard version >= PostgresMigrations.latest else {
            throw ParleyError.storeUnavailable(
                "the database schema is at version \(version), not \(PostgresMigrations.latest): run `parley migrate` or start with --migrate")
        }
    }

    private static let migrationLock = 7_264_101

    private func withDirectConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await PostgresConnection.connect(
            configuration: try settings.connectionConfiguration(), id: 1, logger: logger)
        let outcome = await Result(catching: { try await body(connection) })
        try? await connection.close()
        return try outcome.get()
    }
}

extension PostgresStore {
    /// Runs `body` in a transaction on a pooled connection, within the operation timeout.
    /// Deadlocks and serialization failures are retried; lost connections become `store_unavailable`.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await guarded {
            var attempt = 1
            while true {
                do {
                    return try await self.leased { connection in
                        try await connection.run("BEGIN", logger: self.logger)
                        do {
                            let value = try await body(connection)
                            try await connection.run("COMMIT", logger: self.logger)
                            return value
                        } catch {
                            // A closed connection's transaction is already rolled back by the server.
                            if !connection.isClosed { _ = try? await connection.run("ROLLBACK", logger: self.logger) }
                            throw error
                        }
                    }
                } catch let error as PSQLError where Self.isTransient(error) && attempt < 5 {
                    try await Task.sleep(for: .milliseconds(5 * attempt))
                    attempt += 1
                }
            }
        }
    }

    /// Runs one statement's worth of reads on a pooled connection, within the operation timeout.
    func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await guarded { try await self.leased(body) }
    }

    /// Runs `body` on a pooled connection. PostgresNIO queries ignore task cancellation, so a
    /// cancelled operation (the timeout fired) closes its connection: the pending query fails at
    /// once instead of holding the caller, and the pool replaces the connection.
    private func leased<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in
            try await withTaskCancellationHandler {
                try await body(connection)
            } onCancel: {
                let _: EventLoopFuture<Void> = connection.close()
            }
        }
    }

    /// Bounds `body` by the operation timeout and maps connection failures to `store_unavailable`.
    private func guarded<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let timeout = settings.operationTimeout
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await body() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw ParleyError.storeUnavailable("the database did not answer within \(timeout)")
                }
                return value
            }
        } catch let error as PSQLError where Self.isUnavailable(error) {
            logger.warning("database unavailable", metadata: ["error": "\(String(reflecting: error))"])
            throw ParleyError.storeUnavailable()
        } catch is ChannelError {
            throw ParleyError.storeUnavailable()
        }
    }

    /// Deadlock or serialization failure: the transaction may simply run again.
    static func isTransient(_ error: PSQLError) -> Bool {
        ["40001", "40P01"].contains(error.serverInfo?[.sqlState] ?? "")
    }

    /// The server is gone, going, or not reachable: not a fault of the statement.
    static func isUnavailable(_ error: PSQLError) -> Bool {
        if let state = error.serverInfo?[.sqlState] {
            return state.hasPrefix("08") || state.hasPrefix("57P") || state.hasPrefix("53")
        }
        return [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
                .sslUnsupported, .queryCancelled].contains(error.code)
    }
}
