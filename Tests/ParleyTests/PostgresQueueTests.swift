import Foundation
import Testing
@testable import ParleyCore
@testable import ParleyStore

/// What only a shared Postgres queue must show: many claimers and rescuers at once, and wake-ups.
@Suite(.timeLimit(.minutes(5))) struct PostgresQueueTests {
    @Test func concurrentClaimersNeverShareAnItem() async throws {
        try await TestDatabase.withStore { store in
            let (job, items) = try await seedJob(store, count: 400)
            let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let batch = try await store.claim(model: "m", limit: 8, owner: "w\(worker)", lease: 60_000, now: 2_000)
                            if batch.isEmpty { return mine }
                            for item in batch {
                                #expect(try await store.finish(itemId: item.id, owner: "w\(worker)", outcome: success(), now: 2_001))
                            }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claims.count == 400)
            #expect(Set(claims) == Set(items.map(\.id)))
            let final = try #require(try await store.job(id: job.id, ownerKeyId: "key_a"))
            #expect(final.status == .succeeded && final.counts.succeeded == 400 && final.counts.running == 0)
        }
    }

    /// A finish that requeues an item for a retry while a cancel is under way (it holds the job
    /// row after the cancel's first pass over queued items) leaves no queued item in the
    /// cancelled job: the cancel passes over queued items again under the job's lock.
    @Test func aRetryBetweenTheStepsOfACancelLeavesNoQueuedItem() async throws {
        try await TestDatabase.withStore { store in
            let (job, _) = try await seedJob(store, count: 2)
            let running = try #require(try await store.claim(model: "m", limit: 1, owner: "w", lease: 60_000, now: 2_000).first)
            let logger = TestLogger.make()
            let (held, holding) = AsyncStream.makeStream(of: Void.self)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    // The finisher: holds the job row until the cancel waits for it, then requeues.
                    try await store.transaction { db in
                        try await db.run("SELECT id FROM jobs WHERE id = \(job.id) FOR UPDATE", logger: logger)
                        holding.yield()
                        let waiting = await eventually(timeout: .seconds(60), interval: .milliseconds(20)) {
                            let count = try? await store.read { other in
                                try await other.rows("""
                                    SELECT count(*) AS n FROM pg_stat_activity
                                    WHERE datname = current_database() AND wait_event_type = 'Lock'
                                    """, logger: logger) { try $0.int("n") }
                            }
                            return (count?.first ?? 0) > 0
                        }
                        #expect(waiting, "the cancel waits for the job row")
                        try await db.run("""
                            UPDATE items SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL WHERE id = \(running.id)
                            """, logger: logger)
                        try await db.run("UPDATE jobs SET queued = queued + 1, running = running - 1 WHERE id = \(job.id)", logger: logger)
                    }
                }
                for await _ in held { break }
                group.addTask {
                    _ = try await store.cancelJob(id: job.id, ownerKeyId: "key_a",
                                                  audit: AuditEntry(at: 2_500, keyId: "key_a", action: "job.cancel", target: job.id))
                }
                try await group.waitForAll()
            }
            let items = try await store.items(jobId: job.id)
            #expect(items.allSatisfy { $0.status == .cancelled }, "\(items.map(\.status))")
            let final = try #require(try await store.job(id: job.id, ownerKeyId: "key_a"))
            #expect(final.status == .cancelled && final.counts.queued == 0 && final.counts.cancelled == 2, "\(final.counts)")
        }
    }

    @Test func concurrentRescuersRescueEachItemOnce() async throws {
        try await TestDatabase.withStore { store in
            let (job, _) = try await seedJob(store, count: 120)
            _ = try await store.claim(model: "m", limit: 120, owner: "gone", lease: 1_000, now: 2_000)
            let rescued = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { try await store.rescueExpired(now: 10_000) } }
                return try await group.reduce(0, +)
            }
            #expect(rescued == 120)
            let items = try await store.items(jobId: job.id)
            #expect(items.allSatisfy { $0.status == .queued && $0.attempts == 1 && $0.leaseOwner == nil })
            let final = try #require(try await store.job(id: job.id, ownerKeyId: "key_a"))
            #expect(final.counts.queued == 120 && final.counts.running == 0)
        }
    }

    @Test func enqueueWakesListenersInOtherProcesses() async throws {
        try await TestDatabase.withStore { store in
            let signal = WorkSignal()
            let listener = PostgresWorkListener(settings: store.settings, signal: signal, jobEnds: store.jobEnds, logger: TestLogger.make())
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await listener.run() }
                defer { group.cancelAll() }
                await signal.wait(timeout: .seconds(10))  // the wake-up that follows connecting
                let clock = ContinuousClock()
                let waited = try await clock.measure {
                    async let woke: Void = signal.wait(timeout: .seconds(120))
                    try await Task.sleep(for: .milliseconds(200))
                    try await seedJob(store, count: 1)
                    await woke
                }
                #expect(waited < .seconds(60), "NOTIFY woke the waiter (\(waited)) long before its timeout")
            }
        }
    }

    @Test func unreachableServerFailsFastWithTheCause() async throws {
        var settings = try PostgresSettings(url: "postgres://parley:wrong@127.0.0.1:1/none?sslmode=disable")
        settings.operationTimeout = .seconds(1)
        let store = PostgresStore(settings: settings, logger: TestLogger.make())
        let clock = ContinuousClock()
        let took = await clock.measure { await #expect(throws: (any Error).self) { try await store.checkReachable() } }
        // Refused at once; the bound only shows it does not retry the way the pool would (forever),
        // and stays loose because the suite runs this beside a dozen engines loading Whisper on 2 cores.
        #expect(took < .seconds(120))
    }

    @Test func settingsParseURLs() throws {
        let settings = try PostgresSettings(url: "postgresql://us%40er:p%3Ass@db.example:6543/parley?sslmode=require&max_connections=4")
        #expect(settings.host == "db.example" && settings.port == 6543 && settings.username == "us@er")
        #expect(settings.password == "p:ss" && settings.database == "parley" && settings.tls == .require)
        #expect(settings.maximumConnections == 4)
        #expect(try PostgresSettings(url: "postgres://u@h").database == "u")
        for bad in ["mysql://u@h/d", "postgres:///d", "postgres://h/d", "postgres://u@h/d?sslmode=bogus"] {
            #expect(throws: ParleyError.self, "\(bad)") { try PostgresSettings(url: bad) }
        }
    }
}
