/// The life cycle of one item in the queue.
///
/// `queued → running → succeeded | failed`, `running → queued` on a retry or a
/// lost lease, and `queued | running → cancelled`.
public enum ItemStatus: String, Sendable, Codable, CaseIterable {
    case queued
    case running
    case succeeded
    case failed
    case cancelled

    /// Whether the item has ended for good.
    public var isTerminal: Bool {
        switch self {
        case .succeeded, .failed, .cancelled: true
        case .queued, .running: false
        }
    }

    /// Whether moving from `self` to `next` is legal.
    public func canTransition(to next: ItemStatus) -> Bool {
        switch (self, next) {
        case (.queued, .running), (.queued, .cancelled), (.queued, .failed):
            true
        case (.running, .succeeded), (.running, .failed), (.running, .queued), (.running, .cancelled):
            true
        default:
            false
        }
    }
}
