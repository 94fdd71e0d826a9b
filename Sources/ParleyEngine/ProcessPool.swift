import ParleyCore
import Synchronization

/// The engine processes of one model; a caller holds one exclusively per call.
final class ProcessPool: Sendable {
    let processes: [EngineProcess]
    private let free: Mutex<[EngineProcess]>
    private let permits: AsyncSemaphore

    init(processes: [EngineProcess]) {
        self.processes = processes
        self.free = Mutex(processes)
        self.permits = AsyncSemaphore(permits: processes.count)
    }

    /// How many processes no call holds right now.
    var idle: Int { free.withLock { $0.count } }

    /// Runs `body` with a process no one else is using, waiting for one if all are busy.
    func withProcess<T: Sendable>(_ body: (EngineProcess) async throws -> T) async throws -> T {
        try await permits.withPermit {
            let process = free.withLock { $0.removeLast() }
            defer { free.withLock { $0.append(process) } }
            return try await body(process)
        }
    }
}
