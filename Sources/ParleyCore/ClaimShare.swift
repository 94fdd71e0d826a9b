/// How a claimed batch shares its places between synchronous requests (the OpenAI-compatible
/// endpoints, whose callers wait) and batch work. Synchronous items come first but take at
/// most half the batch (rounded up) while batch items are ready, so a flood of synchronous
/// requests from any number of API processes cannot starve batch work, and batch work never
/// delays a waiting caller by more than one batch. Places one side leaves go to the other.
/// Written once, purely; each store reads the ready candidates of both sides and claims this
/// many of each.
public enum ClaimShare {
    /// The priority of synchronous requests: above every client priority (0–9).
    public static let synchronousPriority = 10

    /// How many of a batch of `limit` go to synchronous and to batch items, given how many
    /// of each are ready (up to `limit`).
    public static func split(limit: Int, synchronousReady: Int, batchReady: Int) -> (synchronous: Int, batch: Int) {
        let cap = batchReady > 0 ? (limit + 1) / 2 : limit
        let batch = min(batchReady, limit - min(synchronousReady, cap))
        return (min(synchronousReady, limit - batch), batch)
    }

    /// The ids a batch of `limit` claims from the ready candidates of each side (each in
    /// claim order): synchronous first, then batch, in the shares `split` gives.
    public static func pick(limit: Int, synchronous: [String], batch: [String]) -> [String] {
        let share = split(limit: limit, synchronousReady: synchronous.count, batchReady: batch.count)
        return Array(synchronous.prefix(share.synchronous) + batch.prefix(share.batch))
    }
}
