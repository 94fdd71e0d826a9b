import Foundation
import Synchronization
import Testing
@testable import ParleyCore
@testable import ParleyStore

/// The job end signal a synchronous request waits on: pure waits, then each store announcing
/// the end of a job (SQLite directly, Postgres through NOTIFY and the listener).
@Suite(.timeLimit(.minutes(3))) struct JobEndSignalTests {
    /// A job status a test flips from another task.
    final class Flag: Sendable {
        let value = Mutex(false)
        var isSet: Bool { value.withLock { $0 } }
        func set() { value.withLock { $0 = true } }
    }

    @Test func anAlreadyEndedJobReturnsAtOnceWithOneRead() async throws {
        let signal = JobEndSignal()
        var reads = 0
        #expect(try await signal.wait(for: "job_a", until: .now + .seconds(60)) {
            reads += 1
            return true
        })
        #expect(reads == 1 && signal.waiting == 0)
    }

    @Test func anEndAnnouncedWhileWaitingWakesOnlyThatJobsWaiter() async throws {
        let signal = JobEndSignal()
        let ended = Flag()
        async let waited = signal.wait(for: "job_a", until: .now + .seconds(120)) { ended.isSet }
        #expect(await eventually { signal.waiting == 1 })
        signal.notify(jobId: "job_b")
        #expect(signal.waiting == 1, "another job's end wakes no one")
        ended.set()
        signal.notify(jobId: "job_a")
        let woken = try await waited
        #expect(woken && signal.waiting == 0)
    }

    /// The read happens after registering, so an end announced between the read and the
    /// sleep still wakes the waiter: nothing waits out its deadline.
    @Test func anEndAnnouncedDuringTheReadIsNotLost() async throws {
        let signal = JobEndSignal()
        let ended = Flag()
        var reads = 0
        let started = ContinuousClock.now
        #expect(try await signal.wait(for: "job_a", until: .now + .seconds(120)) {
            reads += 1
            if reads == 1 {
                ended.set()
                signal.notify(jobId: "job_a")  // announced after this read saw the job running
                return false
            }
            return ended.isSet
        })
        #expect(reads == 2 && ContinuousClock.now - started < .seconds(60))
    }

    @Test func theDeadlineEndsTheWaitWithALastRead() async throws {
        let signal = JobEndSignal()
        var reads = 0
        #expect(try await signal.wait(for: "job_a", until: .now + .milliseconds(200)) {
            reads += 1
            return false
        } == false)
        #expect(reads == 2 && signal.waiting == 0)
    }

    @Test func notifyAllMakesEveryWaiterReadAgain() async throws {
        let signal = JobEndSignal()
        let ended = Flag()
        async let first = signal.wait(for: "job_a", until: .now + .seconds(120)) { ended.isSet }
        async let second = signal.wait(for: "job_b", until: .now + .seconds(120)) { ended.isSet }
        #expect(await eventually { signal.waiting == 2 })
        ended.set()
        signal.notifyAll()
        let (a, b) = try await (first, second)
        #expect(a && b)
    }

    @Test func cancellationEndsTheWait() async throws {
        let signal = JobEndSignal()
        let task = Task { try await signal.wait(for: "job_a", until: .now + .seconds(600)) { false } }
        #expect(await eventually { signal.waiting == 1 })
        task.cancel()
        #expect(try await task.value == false)
        #expect(signal.waiting == 0)
    }

    /// Finishing a job's last item announces its end, on both stores, with the Postgres
    /// announcement crossing a `NOTIFY` to the listener.
    @Test(arguments: StoreKind.allCases)
    func finishingTheLastItemAnnouncesTheJobsEnd(kind: StoreKind) async throws {
        try await kind.withStore { store in
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let postgres = store as? PostgresStore {
                    let listener = PostgresWorkListener(
                        settings: postgres.settings, signal: WorkSignal(), jobEnds: postgres.jobEnds, logger: TestLogger.make())
                    group.addTask { try await listener.run() }
                }
                defer { group.cancelAll() }
                let (job, _) = try await seedJob(store, count: 2)
                let claimed = try await store.claim(model: "m", limit: 2, owner: "w", lease: 60_000, now: 2_000)
                async let ended = store.jobEnds.wait(for: job.id, until: .now + .seconds(120)) {
                    try await store.job(id: job.id, ownerKeyId: "key_a")?.status.isTerminal == true
                }
                #expect(await eventually { store.jobEnds.waiting == 1 })
                for item in claimed {
                    _ = try await store.finish(itemId: item.id, owner: "w", outcome: success(), now: 3_000)
                }
                let started = ContinuousClock.now
                let woken = try await ended
                let took = ContinuousClock.now - started
                #expect(woken && took < .seconds(60), "woken by the announcement, long before the deadline (\(took))")
            }
        }
    }
}
