import Synchronization

/// A cap on what is held at once (bytes of request bodies being read, synchronous requests
/// waiting): a reservation that would pass the cap is refused at once rather than queued,
/// so the caller can answer 503.
public final class AdmissionBudget: Sendable {
    /// The most units reserved at once.
    public let capacity: Int
    private let reserved = Mutex(0)

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Units reserved now.
    public var inUse: Int { reserved.withLock { $0 } }

    /// Reserves `units` if they fit beside what is reserved; a single reservation larger than
    /// the whole capacity fits only when nothing else is reserved, so no size is refused for ever.
    public func reserve(_ units: Int) -> Bool {
        reserved.withLock { reserved in
            guard reserved == 0 || reserved + units <= capacity else { return false }
            reserved += max(0, units)
            return true
        }
    }

    /// Gives back what `reserve` took.
    public func release(_ units: Int) {
        reserved.withLock { $0 = max(0, $0 - max(0, units)) }
    }
}
