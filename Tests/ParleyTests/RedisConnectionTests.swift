import Foundation
import Logging
import Testing
@testable import ParleyLimits

/// Every Redis command ends: answered, or failed within the timeout, whatever state the connection is in.
@Suite(.timeLimit(.minutes(1))) struct RedisConnectionTests {
    static var settings: RedisSettings {
        get throws { try RedisSettings(url: RedisRateLimiterTests.redisURL) }
    }

    @Test func aCommandOnAClosedConnectionFailsAtOnce() async throws {
        let connection = try await RedisConnection.connect(try Self.settings)
        #expect(try await connection.send(["PING"]) == .simpleString("PONG"))
        connection.close()
        try await connection.channel.closeFuture.get()
        await #expect(throws: RedisError.self) { try await connection.send(["PING"]) }
    }

    @Test func aRedisThatNeverAnswersCostsTheTimeout() async throws {
        let port = try ProcessRunner.freePort()
        let redis = try RedisProcess(port: port)
        defer { redis.stop() }
        var settings = RedisSettings(host: "127.0.0.1", port: port)
        settings.timeout = .milliseconds(300)
        let client = RedisClient(settings: settings, logger: Logger(label: "test"))
        #expect(try await client.send(["PING"]) == .simpleString("PONG"))
        kill(redis.process.pid, SIGSTOP)
        defer { kill(redis.process.pid, SIGCONT) }
        let start = ContinuousClock.now
        await #expect(throws: RedisError.self) { try await client.pipeline([["PING"], ["PING"]]) }
        #expect(ContinuousClock.now - start < .seconds(5))
        kill(redis.process.pid, SIGCONT)
        #expect(await eventually(timeout: .seconds(10)) { (try? await client.send(["PING"])) == .simpleString("PONG") })
    }

    /// Connections close under callers that are writing to them (as a timeout closes one): each
    /// caller gets an answer or an error, never a wait without end.
    @Test func callersOnAConnectionThatKeepsClosingAllFinish() async throws {
        let client = RedisClient(settings: try Self.settings, logger: Logger(label: "test"))
        let outcomes = await withTaskGroup(of: Bool?.self) { group in
            group.addTask {
                for _ in 0..<200 {
                    client.close()
                    try? await Task.sleep(for: .milliseconds(1))
                }
                return nil
            }
            for index in 0..<400 {
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(index / 2))
                    return (try? await client.send(["PING"])) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { if let answered = $1 { $0.append(answered) } }
        }
        #expect(outcomes.count == 400, "every call ended, answered or failed")
        #expect(await eventually(timeout: .seconds(20)) { (try? await client.send(["PING"])) == .simpleString("PONG") },
                "the client connects again once left alone")
        client.close()
    }
}
