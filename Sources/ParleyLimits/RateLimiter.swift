/// Decides whether a request may pass, per bucket key (API key and route class).
///
/// The in-memory limiter serves one process; the Redis limiter shares buckets
/// between processes and uses Redis's clock.
public protocol RateLimiter: Sendable {
    /// Takes `cost` tokens from the bucket named `key`, shaped by `rule`.
    func acquire(key: String, rule: RateRule, cost: Double) async throws -> RateDecision
}
