import Crypto
import Foundation
import Logging
import Metrics
import Synchronization
import ParleyCore
import ParleyObservability

/// What the API does while Redis cannot answer.
public enum RateLimitFailureMode: String, Sendable {
    /// Admit requests unlimited (the default): rate limiting must not take the API down.
    case open
    /// Refuse requests with 503 `rate_limiter_unavailable`.
    case closed
}

/// Token buckets in Redis, shared by every API process.
///
/// One Lua script refills and takes atomically, on Redis's own clock (`TIME`), so the
/// API servers' clocks never matter. The script is called by SHA and loaded when Redis
/// does not know it yet.
public final class RedisRateLimiter: RateLimiter, Sendable {
    let client: RedisClient
    let failureMode: RateLimitFailureMode
    let keyPrefix: String
    let logger: Logger
    private let failures = Counter(label: MetricName.rateLimiterFailures, dimensions: [])
    /// When the last failure was logged: one line per 10 s while Redis is down, not one per request.
    private let lastLogged = Mutex<ContinuousClock.Instant?>(nil)

    public init(client: RedisClient, failureMode: RateLimitFailureMode, keyPrefix: String = "parley:rl:", logger: Logger) {
        self.client = client
        self.failureMode = failureMode
        self.keyPrefix = keyPrefix
        self.logger = logger
    }

    public func acquire(key: String, rule: RateRule, cost: Double) async throws -> RateDecision {
        let arguments = ["1", keyPrefix + key, String(rule.capacity), String(rule.refillPerSecond), String(cost)]
        do {
            var reply = try await client.send(["EVALSHA", Self.scriptSHA] + arguments)
            if case .error(let message) = reply, message.hasPrefix("NOSCRIPT") {
                reply = try await client.send(["EVAL", Self.script] + arguments)
            }
            return try Self.decision(from: reply, rule: rule)
        } catch {
            failures.increment()
            let now = ContinuousClock.now
            let log = lastLogged.withLock { last in
                guard last.map({ now - $0 >= .seconds(10) }) ?? true else { return false }
                last = now
                return true
            }
            if log {
                logger.warning("rate limiter unavailable", metadata: ["error": "\(error)", "mode": "\(failureMode.rawValue)"])
            }
            switch failureMode {
            case .open:
                return RateDecision(allowed: true, limit: Int(rule.capacity), remaining: Int(rule.capacity), resetSeconds: 0, retryAfterSeconds: 0)
            case .closed:
                throw ParleyError(code: "rate_limiter_unavailable", message: "the rate limiter is unavailable; retry shortly",
                                  status: 503, retryable: true)
            }
        }
    }

    /// Maps the script's `{allowed, remaining, retry_after_ms, reset_ms}` to a decision.
    static func decision(from reply: RESPValue, rule: RateRule) throws -> RateDecision {
        guard case .array(let values?) = reply, values.count == 4,
              let allowed = values[0].int, let remaining = values[1].int, let retryMs = values[2].int, let resetMs = values[3].int else {
            throw RedisError(message: "unexpected rate limiter reply: \(reply)")
        }
        return RateDecision(
            allowed: allowed == 1, limit: Int(rule.capacity), remaining: Int(remaining),
            resetSeconds: Int((Double(resetMs) / 1000).rounded(.up)),
            retryAfterSeconds: allowed == 1 ? 0 : max(1, Int((Double(retryMs) / 1000).rounded(.up))))
    }

    /// KEYS[1] bucket; ARGV capacity, refill per second, cost.
    static let script = """
        local capacity = tonumber(ARGV[1])
        local rate = tonumber(ARGV[2])
        local cost = tonumber(ARGV[3])
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
        local tokens = tonumber(state[1]) or capacity
        local at = tonumber(state[2]) or now
        tokens = math.min(capacity, tokens + math.max(0, now - at) * rate / 1000)
        local allowed, retry = 0, 0
        if tokens >= cost then
          tokens = tokens - cost
          allowed = 1
        else
          retry = math.ceil((cost - tokens) * 1000 / rate)
        end
        local reset = math.ceil((capacity - tokens) * 1000 / rate)
        redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
        redis.call('PEXPIRE', KEYS[1], reset + 1000)
        return {allowed, math.floor(tokens), retry, reset}
        """

    static let scriptSHA = Insecure.SHA1.hash(data: Array(script.utf8)).hexString
}
