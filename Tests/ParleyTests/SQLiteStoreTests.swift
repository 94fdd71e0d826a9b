import Foundation
import Testing
@testable import ParleyStore

/// The embedded store's transaction wrapper under cancellation (a worker stopping mid-call).
@Suite(.timeLimit(.minutes(5))) struct SQLiteStoreTests {
    @Test func aCancelledTransactionRollsBackAndLeavesTheConnectionUsable() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try await SQLiteStore.open(path: dir.url.appendingPathComponent("t.sqlite").path, logger: TestLogger.make())
        try await store.transaction { try await $0.run("CREATE TABLE t (v INTEGER)") }
        let started = AsyncStream<Void>.makeStream()
        let stuck = Task {
            try await store.transaction { session in
                try await session.run("INSERT INTO t (v) VALUES (1)")
                started.continuation.yield()
                try await Task.sleep(for: .seconds(30))
            }
        }
        for await _ in started.stream { break }
        stuck.cancel()
        await #expect(throws: CancellationError.self) { try await stuck.value }
        // The cancelled task's ROLLBACK ran: a new transaction begins, and the insert is gone.
        let count = await Result(catching: {
            try await store.transaction { try await $0.rows("SELECT COUNT(*) AS n FROM t").first?.int("n") }
        })
        try await store.close()
        #expect(try count.get() == 0)
    }
}
