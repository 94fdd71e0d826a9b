/// The status of a whole job, derived from its item counts.
public enum JobStatus: String, Sendable, Codable, CaseIterable {
    case queued
    case running
    case succeeded
    case completedWithErrors = "completed_with_errors"
    case failed
    case cancelled

    /// Whether the job has ended for good.
    public var isTerminal: Bool {
        switch self {
        case .queued, .running: false
        default: true
        }
    }

    /// Derives a job's status from its counts and whether the client cancelled it.
    ///
    /// While items are queued or running the job is `queued` until one item has
    /// started, then `running`. Once every item ended: a cancelled job is
    /// `cancelled`; all items succeeded is `succeeded`; some succeeded is
    /// `completed_with_errors`; none succeeded is `failed`, never `succeeded`.
    public static func derive(from counts: JobCounts, cancelRequested: Bool) -> JobStatus {
        if counts.queued + counts.running > 0 {
            return counts.running + counts.finished > 0 ? .running : .queued
        }
        if cancelRequested { return .cancelled }
        if counts.total > 0 && counts.succeeded == counts.total { return .succeeded }
        return counts.succeeded > 0 ? .completedWithErrors : .failed
    }
}
