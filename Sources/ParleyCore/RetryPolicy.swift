/// Exponential backoff with jitter for retryable item failures.
public struct RetryPolicy: Sendable, Equatable {
    /// Delay before the first retry, in milliseconds.
    public var baseDelay: Millis
    /// The longest delay, in milliseconds.
    public var maxDelay: Millis
    /// Attempts an item gets in all, the first included.
    public var maxAttempts: Int

    public init(baseDelay: Millis = 1_000, maxDelay: Millis = 60_000, maxAttempts: Int = 5) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxAttempts = maxAttempts
    }

    /// The delay after failed attempt number `attempt` (1-based): "equal jitter", half
    /// fixed and half random, so retries never bunch and never wait longer than the cap.
    /// - Parameter random: a value in `0..<1`.
    public func delay(afterAttempt attempt: Int, random: Double) -> Millis {
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = min(Double(maxDelay), Double(baseDelay) * Double(1 << exponent))
        let jittered = ceiling / 2 + ceiling / 2 * min(max(random, 0), 1)
        return Millis(jittered.rounded())
    }

    /// The delay with a fresh random draw.
    public func delay(afterAttempt attempt: Int) -> Millis {
        delay(afterAttempt: attempt, random: Double.random(in: 0..<1))
    }
}
