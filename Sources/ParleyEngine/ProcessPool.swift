import ParleyCore
import Synchronization

/// The engine processes of one model and the call slots they offer: each process runs up to
/// `callsPerProcess` calls at once; a call takes the least busy process.
final class ProcessPool: Sendable {
    let processes: [EngineProcess]
    let callsPerProcess: Int
    /// Calls in flight on each process.
    private let busy: Mutex<[Int]>
    private let permits: AsyncSemaphore

    init(processes: [EngineProcess], callsPerProcess: Int) {
        self.processes = processes
        self.callsPerProcess = max(1, callsPerProcess)
        self.busy = Mutex(Array(repeating: 0, count: processes.count))
        self.permits = AsyncSemaphore(permits: processes.count * max(1, callsPerProcess))
    }

    /// How many call slots are free right now.
    var idle: Int { busy.withLock { $0.reduce(0) { $0 + (callsPerProcess - $1) } } }

    /// One caller at a time may hold every slot.
    private let exclusive = AsyncSemaphore(permits: 1)

    /// Runs `body` in a free slot of the least busy process, waiting for one if all are taken;
    /// `alone`: with every slot of the pool held, so no other call runs beside it.
    func withProcess<T: Sendable>(alone: Bool = false, _ body: (EngineProcess) async throws -> T) async throws -> T {
        guard alone else { return try await permits.withPermit { try await inSlot(body) } }
        return try await exclusive.withPermit { try await holding(processes.count * callsPerProcess, body) }
    }

    private func holding<T: Sendable>(_ slots: Int, _ body: (EngineProcess) async throws -> T) async throws -> T {
        guard slots > 1 else { return try await permits.withPermit { try await inSlot(body) } }
        return try await permits.withPermit { try await holding(slots - 1, body) }
    }

    private func inSlot<T: Sendable>(_ body: (EngineProcess) async throws -> T) async throws -> T {
            let index = busy.withLock { busy in
                let index = busy.indices.min { busy[$0] < busy[$1] }!
                busy[index] += 1
                return index
            }
            defer { busy.withLock { $0[index] -= 1 } }
            return try await body(processes[index])
    }
}
