import ParleyCore

/// A worker's report on one item it holds: how it ended, or why it goes back to the queue.
public struct ItemFinish: Sendable {
    public let itemId: String
    public let outcome: ItemOutcome

    public init(itemId: String, outcome: ItemOutcome) {
        self.itemId = itemId
        self.outcome = outcome
    }
}
