import Synchronization
import Testing
@testable import ParleyCore
@testable import ParleyLimits

@Suite(.timeLimit(.minutes(5))) struct TokenBucketTests {
    let rule = RateRule(capacity: 3, refillPerSecond: 1)

    @Test func startsFullAndDrains() {
        var bucket = TokenBucket(rule: rule, now: 0)
        let decisions = (0..<4).map { _ in bucket.take(now: 0) }
        #expect(decisions.map(\.allowed) == [true, true, true, false])
        #expect(decisions.map(\.remaining) == [2, 1, 0, 0])
        #expect(decisions[3].retryAfterSeconds == 1)
        #expect(decisions[2].resetSeconds == 3)
    }

    @Test func refillsWithTimeUpToCapacity() {
        var bucket = TokenBucket(rule: rule, now: 0)
        for _ in 0..<3 { _ = bucket.take(now: 0) }
        #expect(!bucket.take(now: 500).allowed)
        #expect(bucket.take(now: 1_000).allowed)
        let later = bucket.take(now: 100_000)
        #expect(later.allowed && later.remaining == 2)
        #expect(bucket.tokens <= rule.capacity)
    }

    @Test func clockGoingBackwardsNeverAddsTokens() {
        var bucket = TokenBucket(rule: rule, now: 10_000)
        for _ in 0..<3 { _ = bucket.take(now: 10_000) }
        #expect(!bucket.take(now: 0).allowed)
    }

    @Test func costAboveCapacityIsRefusedWithRetryAfter() {
        var bucket = TokenBucket(rule: rule, now: 0)
        let decision = bucket.take(5, now: 0)
        #expect(!decision.allowed && decision.retryAfterSeconds == 2)
        #expect(bucket.tokens == 3)
    }

    @Test func fromSettings() {
        let rule = RateRule(RateSettings(perMinute: 120, burst: 10))
        #expect(rule.capacity == 10 && rule.refillPerSecond == 2)
    }

    @Test func admitsAtMostCapacityPlusRefillOverAWindow() {
        var bucket = TokenBucket(rule: RateRule(capacity: 5, refillPerSecond: 2), now: 0)
        var admitted = 0
        for ms in stride(from: 0, through: 10_000, by: 10) where bucket.take(now: Millis(ms)).allowed { admitted += 1 }
        #expect(admitted == 5 + 20)
    }
}

@Suite(.timeLimit(.minutes(5))) struct MemoryRateLimiterTests {
    @Test func separatesKeysAndUsesTheClock() async throws {
        let clock = Mutex<Millis>(0)
        let limiter = MemoryRateLimiter(clock: { clock.withLock { $0 } })
        let rule = RateRule(capacity: 2, refillPerSecond: 1)
        #expect(try await limiter.acquire(key: "a", rule: rule, cost: 1).allowed)
        #expect(try await limiter.acquire(key: "a", rule: rule, cost: 1).allowed)
        #expect(try await !limiter.acquire(key: "a", rule: rule, cost: 1).allowed)
        #expect(try await limiter.acquire(key: "b", rule: rule, cost: 1).allowed)
        clock.withLock { $0 = 1_000 }
        #expect(try await limiter.acquire(key: "a", rule: rule, cost: 1).allowed)
    }

    @Test func forgetsFullBucketsPastTheCap() async throws {
        let clock = Mutex<Millis>(0)
        let limiter = MemoryRateLimiter(maxBuckets: 2, clock: { clock.withLock { $0 } })
        let rule = RateRule(capacity: 1, refillPerSecond: 1)
        for key in ["a", "b", "c", "d"] { _ = try await limiter.acquire(key: key, rule: rule, cost: 1) }
        clock.withLock { $0 = 5_000 }
        #expect(try await limiter.acquire(key: "a", rule: rule, cost: 1).allowed)
    }
}
