import ParleyCore

/// The durable work queue: items move through it under leases.
///
/// Delivery is at least once; a result is stored exactly once because finishing
/// an item is conditional on still holding its lease.
public protocol QueueStore: Sendable {
    /// Claims up to `limit` ready items of one model group: highest priority first,
    /// round-robin across API keys within a priority, oldest first within a key.
    /// Each claim counts an attempt and holds a lease until `now + lease`.
    func claim(model: String, limit: Int, owner: String, lease: Millis, now: Millis) async throws -> [JobItem]
    /// Extends the leases `owner` still holds; returns how many it extended.
    func heartbeat(itemIds: [String], owner: String, lease: Millis, now: Millis) async throws -> Int
    /// Ends or requeues items `owner` holds, with their jobs' counters and usage, in one
    /// transaction: one statement for the items, one counter update per job. Returns the ids
    /// it finished; an item whose lease `owner` no longer holds is left as it is.
    func finish(_ finishes: [ItemFinish], owner: String, now: Millis) async throws -> Set<String>
    /// Reserves `amount` (in the item's kind's unit) of its key's daily quota for an item
    /// `owner` holds, once a worker knows what it needs (audio fetched from a URL, or whose
    /// container hid its duration). Returns why it may not, changing nothing; nil once
    /// reserved, or when `owner` no longer holds the item.
    func reserveQuota(itemId: String, owner: String, amount: Double) async throws -> QuotaRefusal?
    /// Returns items to the queue without counting the attempt (graceful shutdown).
    func release(itemIds: [String], owner: String, now: Millis) async throws -> Int
    /// Requeues items whose lease expired, or fails them with `worker_lost` after
    /// their last attempt. Safe to run from many processes at once.
    func rescueExpired(now: Millis) async throws -> Int
}

extension QueueStore {
    /// Ends or requeues one item; false, changing nothing, when `owner` no longer holds its lease.
    public func finish(itemId: String, owner: String, outcome: ItemOutcome, now: Millis) async throws -> Bool {
        try await finish([ItemFinish(itemId: itemId, outcome: outcome)], owner: owner, now: now).contains(itemId)
    }
}
