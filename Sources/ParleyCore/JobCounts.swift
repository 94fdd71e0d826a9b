/// Progress counts of a job's items, kept in the job row and updated with each item change.
public struct JobCounts: Sendable, Codable, Equatable {
    public var total: Int
    public var queued: Int
    public var running: Int
    public var succeeded: Int
    public var failed: Int
    public var cancelled: Int

    public init(total: Int = 0, queued: Int = 0, running: Int = 0, succeeded: Int = 0, failed: Int = 0, cancelled: Int = 0) {
        self.total = total
        self.queued = queued
        self.running = running
        self.succeeded = succeeded
        self.failed = failed
        self.cancelled = cancelled
    }

    /// Counts for a new job whose items are all queued.
    public static func allQueued(_ total: Int) -> JobCounts {
        JobCounts(total: total, queued: total)
    }

    /// The count for one status.
    public subscript(status: ItemStatus) -> Int {
        get {
            switch status {
            case .queued: queued
            case .running: running
            case .succeeded: succeeded
            case .failed: failed
            case .cancelled: cancelled
            }
        }
        set {
            switch status {
            case .queued: queued = newValue
            case .running: running = newValue
            case .succeeded: succeeded = newValue
            case .failed: failed = newValue
            case .cancelled: cancelled = newValue
            }
        }
    }

    /// Moves `n` items from one status to another.
    public mutating func move(_ n: Int = 1, from: ItemStatus, to: ItemStatus) {
        self[from] -= n
        self[to] += n
    }

    /// Items that have ended.
    public var finished: Int { succeeded + failed + cancelled }
}
