import ParleyCore

/// The answer of a rate limiter, with what the `RateLimit-*` headers report.
public struct RateDecision: Sendable, Equatable {
    public var allowed: Bool
    /// The bucket's capacity.
    public var limit: Int
    /// Whole tokens left after this request.
    public var remaining: Int
    /// Seconds until the bucket is full again.
    public var resetSeconds: Int
    /// Seconds until a refused request could pass; 0 when allowed.
    public var retryAfterSeconds: Int

    public init(allowed: Bool, limit: Int, remaining: Int, resetSeconds: Int, retryAfterSeconds: Int) {
        self.allowed = allowed
        self.limit = limit
        self.remaining = remaining
        self.resetSeconds = resetSeconds
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// A bucket's shape: it holds `capacity` tokens and refills `refillPerSecond`.
public struct RateRule: Sendable, Equatable, Hashable {
    public var capacity: Double
    public var refillPerSecond: Double

    public init(capacity: Double, refillPerSecond: Double) {
        self.capacity = capacity
        self.refillPerSecond = refillPerSecond
    }

    /// `perMinute` requests a minute with bursts of up to `burst`.
    public init(_ settings: RateSettings) {
        self.init(capacity: Double(max(settings.burst, 1)), refillPerSecond: Double(max(settings.perMinute, 1)) / 60)
    }
}

/// A pure token bucket: the state and the arithmetic, no clock and no I/O.
public struct TokenBucket: Sendable, Equatable {
    public let rule: RateRule
    public private(set) var tokens: Double
    public private(set) var updatedAt: Millis

    /// A full bucket at time `now`.
    public init(rule: RateRule, now: Millis) {
        self.rule = rule
        self.tokens = rule.capacity
        self.updatedAt = now
    }

    /// Refills for the time since the last call, then takes `cost` tokens if there are enough.
    public mutating func take(_ cost: Double = 1, now: Millis) -> RateDecision {
        let elapsed = Double(max(now - updatedAt, 0)) / 1000
        tokens = min(rule.capacity, tokens + elapsed * rule.refillPerSecond)
        updatedAt = max(now, updatedAt)
        let allowed = tokens >= cost
        if allowed { tokens -= cost }
        let deficit = allowed ? 0 : cost - tokens
        return RateDecision(
            allowed: allowed,
            limit: Int(rule.capacity),
            remaining: Int(tokens.rounded(.down)),
            resetSeconds: Int(((rule.capacity - tokens) / rule.refillPerSecond).rounded(.up)),
            retryAfterSeconds: allowed ? 0 : max(1, Int((deficit / rule.refillPerSecond).rounded(.up))))
    }

    /// Whether the bucket would be full at `now` (and so can be forgotten).
    public func isFull(at now: Millis) -> Bool {
        tokens + Double(max(now - updatedAt, 0)) / 1000 * rule.refillPerSecond >= rule.capacity
    }
}
