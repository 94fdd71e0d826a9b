import Foundation
import Logging
import NIOCore
import ParleyCore
import SQLiteNIO

/// The embedded store: metadata and the queue in one SQLite file in WAL mode.
///
/// One connection serves the process; an async lock serialises statements and
/// transactions on it, so a transaction never interleaves with another caller.
public final class SQLiteStore: Sendable {
    let connection: SQLiteConnection
    let lock = AsyncSemaphore()
    let logger: Logger
    /// Announces each job's end, from the transaction that ends it.
    public let jobEnds = JobEndSignal()

    private init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Opens (creating if needed) the database at `path` and runs pending migrations.
    public static func open(path: String, logger: Logger) async throws -> SQLiteStore {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let store = SQLiteStore(connection: connection, logger: logger)
        do {
            for pragma in Self.pragmas {
                _ = try await connection.query(pragma)
            }
            try await store.migrate()
        } catch {
            try? await store.close()  // a connection dropped unclosed traps in debug builds
            throw error
        }
        return store
    }

    /// The connection's settings: WAL with `NORMAL` sync (a commit is durable once its WAL
    /// frames are written; the WAL is synced at checkpoints); a 64 MiB page cache and reads
    /// through a memory map, so the items' indexes stay in memory instead of being read back
    /// with a system call per page.
    static let pragmas = [
        "PRAGMA journal_mode = WAL", "PRAGMA busy_timeout = 5000", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON",
        "PRAGMA cache_size = -65536", "PRAGMA mmap_size = 268435456",
    ]

    /// Opens the database at `path`, runs `body` on it, and closes it whatever `body` does.
    public static func withOpen<T: Sendable>(path: String, logger: Logger, _ body: (SQLiteStore) async throws -> T) async throws -> T {
        let store = try await open(path: path, logger: logger)
        let outcome = await Result(catching: { try await body(store) })
        try await store.close()
        return try outcome.get()
    }

    /// Closes the connection; the store must not be used afterwards.
    public func close() async throws {
        try await lock.withPermit { try await connection.close() }
    }

    func migrate() async throws {
        try await transaction { db in
            try await db.run("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
            let applied = Set(try await db.rows("SELECT version FROM schema_migrations").map { $0.int("version") })
            for migration in SQLiteMigrations.all where !applied.contains(migration.version) {
                for statement in migration.statements { try await db.run(statement) }
                try await db.run("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                                 [.integer(migration.version), .integer(Int(Millis.now()))])
                logger.info("applied SQLite migration", metadata: ["version": "\(migration.version)"])
            }
        }
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back on any error.
    func transaction<T: Sendable>(_ body: (SQLiteSession) async throws -> T) async throws -> T {
        try await lock.withPermit {
            let session = SQLiteSession(connection: connection, jobEnds: jobEnds)
            try await session.run("BEGIN IMMEDIATE")
            do {
                let value = try await body(session)
                try await session.end("COMMIT")
                return value
            } catch {
                _ = try? await session.end("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs `body` with exclusive use of the connection, outside a transaction.
    func read<T: Sendable>(_ body: (SQLiteSession) async throws -> T) async throws -> T {
        try await lock.withPermit { try await body(SQLiteSession(connection: connection, jobEnds: jobEnds)) }
    }
}

/// A connection in use by one caller: statements with bound parameters only.
struct SQLiteSession {
    let connection: SQLiteConnection
    let jobEnds: JobEndSignal

    func run(_ sql: String, _ binds: [SQLiteData] = []) async throws {
        _ = try await connection.query(sql, binds)
    }

    /// Ends a transaction even when the task is cancelled: SQLiteNIO's async query refuses to start
    /// in a cancelled task, which would leave the shared connection inside the transaction.
    func end(_ sql: String) async throws {
        let done: EventLoopFuture<[SQLiteRow]> = connection.query(sql, [])
        _ = try await done.get()
    }

    func rows(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [Row] {
        try await connection.query(sql, binds).map(Row.init)
    }

    /// `?, ?, ?` for an `IN (…)` list of `count` bound values.
    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}

/// Typed access to a SQLite result row's columns.
struct Row: ColumnReader {
    let raw: SQLiteRow

    func string(_ name: String) -> String { raw.column(name)?.string ?? "" }
    func optionalString(_ name: String) -> String? { raw.column(name).flatMap { $0.isNull ? nil : $0.string } }
    func int(_ name: String) -> Int { raw.column(name)?.integer ?? 0 }
    func optionalInt(_ name: String) -> Int? { raw.column(name).flatMap { $0.isNull ? nil : $0.integer } }
    func millis(_ name: String) -> Millis { Millis(int(name)) }
    func optionalMillis(_ name: String) -> Millis? { optionalInt(name).map(Millis.init) }
    func optionalDouble(_ name: String) -> Double? { raw.column(name).flatMap { $0.isNull ? nil : $0.double } }
    func bool(_ name: String) -> Bool { int(name) != 0 }
}

extension SQLiteData {
    static func optionalText(_ value: String?) -> SQLiteData { value.map { .text($0) } ?? .null }
    static func millis(_ value: Millis?) -> SQLiteData { value.map { .integer(Int($0)) } ?? .null }
    static func optionalFloat(_ value: Double?) -> SQLiteData { value.map { .float($0) } ?? .null }
    static func optionalInteger(_ value: Int?) -> SQLiteData { value.map { .integer($0) } ?? .null }
}
