import ParleyCore
import Synchronization

/// Token buckets in this process's memory.
public final class MemoryRateLimiter: RateLimiter {
    private let buckets = Mutex<[String: TokenBucket]>([:])
    private let clock: @Sendable () -> Millis
    private let maxBuckets: Int

    /// - Parameters:
    ///   - maxBuckets: past this many buckets, full ones are forgotten.
    ///   - clock: the time source; tests pass their own.
    public init(maxBuckets: Int = 100_000, clock: @escaping @Sendable () -> Millis = { .now() }) {
        self.maxBuckets = maxBuckets
        self.clock = clock
    }

    public func acquire(key: String, rule: RateRule, cost: Double) async throws -> RateDecision {
        let now = clock()
        return buckets.withLock { buckets in
            if buckets.count >= maxBuckets {
                buckets = buckets.filter { !$0.value.isFull(at: now) }
            }
            var bucket = buckets[key].flatMap { $0.rule == rule ? $0 : nil } ?? TokenBucket(rule: rule, now: now)
            let decision = bucket.take(cost, now: now)
            buckets[key] = bucket
            return decision
        }
    }
}
