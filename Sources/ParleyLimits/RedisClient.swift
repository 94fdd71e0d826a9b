import Logging
import Synchronization

/// A reconnecting Redis client: one connection shared by every caller, replaced when it fails.
///
/// After a failed connect it waits out a backoff (doubling to 5 s) before trying again, so an
/// unreachable Redis costs callers a fast error, not a connect timeout each.
public final class RedisClient: Sendable {
    public let settings: RedisSettings
    let logger: Logger
    private struct State {
        var connection: RedisConnection?
        var retryAt: ContinuousClock.Instant?
        var backoff: Duration = .milliseconds(100)
    }
    private let state = Mutex(State())

    public init(settings: RedisSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Sends one command; a reply of type error comes back as a value, a lost connection throws.
    public func send(_ command: [String]) async throws -> RESPValue {
        try await pipeline([command])[0]
    }

    /// Sends commands in one write and returns their replies in order.
    public func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        let connection = try await current()
        do {
            return try await connection.pipeline(commands)
        } catch {
            state.withLock { if $0.connection === connection { $0.connection = nil } }
            connection.close()
            throw error
        }
    }

    /// Closes the connection; a later command opens a new one.
    public func close() {
        state.withLock { state in
            state.connection?.close()
            state.connection = nil
        }
    }

    private func current() async throws -> RedisConnection {
        let now = ContinuousClock.now
        let existing = try state.withLock { state -> RedisConnection? in
            if let connection = state.connection, connection.isActive { return connection }
            if let retryAt = state.retryAt, now < retryAt {
                throw RedisError(message: "Redis at \(settings.host):\(settings.port) is unreachable; retrying in a moment")
            }
            return nil
        }
        if let existing { return existing }
        do {
            let connection = try await RedisConnection.connect(settings)
            return state.withLock { state in
                if let other = state.connection, other.isActive {
                    connection.close()
                    return other
                }
                state.connection = connection
                state.retryAt = nil
                state.backoff = .milliseconds(100)
                return connection
            }
        } catch {
            let backoff = state.withLock { state -> Duration in
                state.retryAt = ContinuousClock.now + state.backoff
                defer { state.backoff = min(state.backoff * 2, .seconds(5)) }
                return state.backoff
            }
            logger.warning("cannot reach Redis", metadata: ["error": "\(error)", "retry_in": "\(backoff)"])
            throw error as? RedisError ?? RedisError(message: "cannot connect to Redis at \(settings.host):\(settings.port): \(error)")
        }
    }
}
