import Synchronization

/// Tells waiters in this process that a job ended (succeeded, failed or cancelled), so a
/// synchronous request waits for its job instead of polling the store.
///
/// The store announces each end (SQLite directly; Postgres through `NOTIFY`). A waiter
/// registers before it reads the job, so an end announced between its read and its wait is
/// not lost; `notifyAll` makes every waiter read again, after announcements may have been
/// missed (a dropped `LISTEN` connection).
public final class JobEndSignal: Sendable {
    private struct Waiter {
        var jobId: String
        var woken = false
        var continuation: CheckedContinuation<Void, Never>?
    }

    private struct State {
        var nextId = 0
        var waiters: [Int: Waiter] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes the waiters of `jobId`.
    public func notify(jobId: String) {
        wake { $0.jobId == jobId }
    }

    /// Wakes every waiter, to read its job again.
    public func notifyAll() {
        wake { _ in true }
    }

    /// Waiters registered now; for tests and metrics.
    public var waiting: Int { state.withLock { $0.waiters.count } }

    /// Returns true once `hasEnded` says the job ended: it is read once at first and again
    /// after each wake-up. Returns false when `deadline` passes first (or the task is
    /// cancelled) and a last read still finds the job running.
    public func wait(
        for jobId: String, until deadline: ContinuousClock.Instant, hasEnded: () async throws -> Bool
    ) async throws -> Bool {
        while true {
            let id = register(jobId)
            let ended = await Result { try await hasEnded() }
            if (try? ended.get()) != false {
                remove(id)
                return try ended.get()
            }
            let woken = await sleep(id, until: deadline)
            remove(id)
            if !woken { return try await hasEnded() }
        }
    }

    private func register(_ jobId: String) -> Int {
        state.withLock { state in
            state.nextId += 1
            state.waiters[state.nextId] = Waiter(jobId: jobId)
            return state.nextId
        }
    }

    private func remove(_ id: Int) {
        state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation?.resume()
    }

    private func wake(_ matches: (Waiter) -> Bool) {
        let continuations = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var woken: [CheckedContinuation<Void, Never>] = []
            for (id, waiter) in state.waiters where matches(waiter) {
                state.waiters[id]?.woken = true
                if let continuation = waiter.continuation { woken.append(continuation) }
                state.waiters[id]?.continuation = nil
            }
            return woken
        }
        for continuation in continuations { continuation.resume() }
    }

    /// Whether the waiter was woken (true) before the deadline or cancellation (false).
    private func sleep(_ id: Int, until deadline: ContinuousClock.Instant) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withTaskCancellationHandler {
                    await withCheckedContinuation { continuation in
                        let resumeNow = self.state.withLock { state -> Bool in
                            guard let waiter = state.waiters[id], !waiter.woken, !Task.isCancelled else { return true }
                            state.waiters[id]?.continuation = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    let continuation = self.state.withLock { state in
                        defer { state.waiters[id]?.continuation = nil }
                        return state.waiters[id]?.continuation
                    }
                    continuation?.resume()
                }
                return self.state.withLock { $0.waiters[id]?.woken ?? false }
            }
            group.addTask {
                try? await Task.sleep(until: deadline)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
