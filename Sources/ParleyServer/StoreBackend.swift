import Logging
import ParleyCore
import ParleyStore
import ServiceLifecycle

/// The metadata store and queue a process uses: the embedded SQLite file, or a Postgres
/// that any number of API and worker processes share.
public enum StoreBackend: Sendable {
    case sqlite(SQLiteStore)
    case postgres(PostgresStore)

    /// Opens the configured store. SQLite migrates itself; Postgres is checked for reachability
    /// (failing within seconds, with the cause) and migrated only when `migrate` is set,
    /// otherwise it must already be at the latest schema version.
    public static func open(_ configuration: ParleyConfiguration, migrate: Bool, logger: Logger) async throws -> StoreBackend {
        guard let settings = configuration.database else {
            return .sqlite(try await SQLiteStore.open(path: configuration.databasePath, logger: logger))
        }
        let store = PostgresStore(settings: settings, logger: logger)
        try await store.checkReachable()
        if migrate { try await store.migrate() } else { try await store.requireMigrated() }
        return .postgres(store)
    }

    public var store: any ParleyDataStore {
        switch self {
        case .sqlite(let store): store
        case .postgres(let store): store
        }
    }

    /// What keeps the store working: the Postgres pool and the `LISTEN` wake-ups (of workers
    /// and of requests waiting for a job's end). Run them first in the service group, so they
    /// stop last.
    func services(signal: WorkSignal, logger: Logger) -> [any Service] {
        switch self {
        case .sqlite: []
        case .postgres(let store):
            [store, PostgresWorkListener(settings: store.settings, signal: signal, jobEnds: store.jobEnds, logger: logger)]
        }
    }

    /// Releases what the store holds once its services have stopped.
    public func close() async throws {
        if case .sqlite(let store) = self { try await store.close() }
    }

    /// Runs `body` with the store usable outside a service group (one-shot commands), then closes it.
    public func withRunning<T: Sendable>(_ body: @Sendable (any ParleyDataStore) async throws -> T) async throws -> T {
        let outcome: Result<T, any Error>
        switch self {
        case .sqlite(let store):
            outcome = await Result(catching: { try await body(store) })
        case .postgres(let store):
            outcome = await Result(catching: {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await store.run() }
                    defer { group.cancelAll() }
                    return try await body(store)
                }
            })
        }
        try await close()
        return try outcome.get()
    }
}
