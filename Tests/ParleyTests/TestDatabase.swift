import Foundation
import Logging
import ParleyCore
import PostgresNIO
@testable import ParleyStore

/// A throwaway Postgres database on the test server (`PARLEY_TEST_DATABASE_URL`), dropped afterwards.
///
/// The server is mandatory: when it cannot be reached the test fails, naming the cause.
struct TestDatabase {
    static var serverURL: String {
        ProcessInfo.processInfo.environment["PARLEY_TEST_DATABASE_URL"]
            ?? "postgres://parley:parley@127.0.0.1:5432/parley_test?sslmode=disable"
    }

    let settings: PostgresSettings
    var url: String {
        "postgres://\(settings.username):\(settings.password ?? "")@\(settings.host):\(settings.port)/\(settings.database)?sslmode=disable"
    }

    /// A second cluster that tests may stop and start (`PARLEY_TEST_CHAOS_DATABASE_URL`), as
    /// `pg_ctlcluster` names it (`PARLEY_TEST_CHAOS_CLUSTER`, "15 chaos"), so other tests never see it go down.
    static var chaosURL: String {
        ProcessInfo.processInfo.environment["PARLEY_TEST_CHAOS_DATABASE_URL"]
            ?? "postgres://parley:parley@127.0.0.1:5433/parley_test?sslmode=disable"
    }
    static var chaosCluster: [String] {
        (ProcessInfo.processInfo.environment["PARLEY_TEST_CHAOS_CLUSTER"] ?? "15 chaos").split(separator: " ").map(String.init)
    }

    let serverURL: String

    /// Creates a database named `parley_t_<random>` and returns its settings.
    static func create(on serverURL: String = TestDatabase.serverURL) async throws -> TestDatabase {
        let server = try PostgresSettings(url: serverURL)
        let name = "parley_t_" + Identifier.make("", length: 12).lowercased().filter { $0.isLetter || $0.isNumber }
        try await admin(server) { try await $0.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: TestLogger.make()) }
        return TestDatabase(settings: server.with(database: name), serverURL: serverURL)
    }

    /// Drops the database, closing any connections still open to it.
    func drop() async {
        let name = settings.database
        _ = try? await Self.admin(try PostgresSettings(url: serverURL)) {
            try await $0.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: TestLogger.make())
        }
    }

    /// Runs `body` with a migrated `PostgresStore` on a fresh database, its pool running.
    static func withStore(
        operationTimeout: Duration = .seconds(60), _ body: (PostgresStore) async throws -> Void
    ) async throws {
        let database = try await create()
        var settings = database.settings
        settings.operationTimeout = operationTimeout
        var quiet = TestLogger.make()
        quiet.logLevel = .error
        let store = PostgresStore(settings: settings, logger: quiet)
        let outcome = await Result(catching: {
            try await store.migrate()
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await store.run() }
                defer { group.cancelAll() }
                try await body(store)
            }
        })
        await database.drop()
        try outcome.get()
    }

    /// Runs `body` with a migrated store on this database, outside any service group.
    func withStore<T: Sendable>(_ body: @Sendable (PostgresStore) async throws -> T) async throws -> T {
        var quiet = TestLogger.make()
        quiet.logLevel = .error
        let store = PostgresStore(settings: settings, logger: quiet)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            defer { group.cancelAll() }
            return try await body(store)
        }
    }

    private static func admin(_ settings: PostgresSettings, _ body: (PostgresConnection) async throws -> Void) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: try settings.connectionConfiguration(), id: 1, logger: TestLogger.make())
        let outcome = await Result(catching: { try await body(connection) })
        try? await connection.close()
        try outcome.get()
    }
}
