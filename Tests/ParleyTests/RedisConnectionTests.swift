import Foundation
import Logging
import Testing
@testable import ParleyLimits

/// Every Redis command ends: answered, or failed within the timeout, whatever state the connection is in.
/// (The limits are far above the expected times: the whole suite runs in parallel on 2 cores.)
@Suite(.timeLimit(.minutes(3))) struct RedisConnectionTests {
    static var settings: RedisSettings {
        get throws { try RedisSettings(url: RedisRateLimiterTests.redisURL) }
    }

    @Test func aCommandOnAClosedConnectionFailsAtOnce() async throws {
        var settings = try Self.settings
        settings.timeout = .seconds(30)  // the first PING may wait while the suite starts up
        let connection = try await RedisConnection.connect(settings)
        #expect(try await connection.send(["PING"]) == .simpleString("PONG"))
        connection.close()
        try await connection.channel.closeFuture.get()
        await #expect(throws: RedisError.self) { try await connection.send(["PING"]) }
    }

    @Test func aRedisThatNeverAnswersCostsTheTimeout() async throws {
        let port = try ProcessRunner.freePort()
        let redis = try await RedisProcess.start(port: port)
        defer { redis.stop() }
        var settings = RedisSettings(host: "127.0.0.1", port: port)
        settings.timeout = .seconds(1)
        let client = RedisClient(settings: settings, logger: Logger(label: "test"))
        // Connecting may outlast 1 s while the whole suite starts; a later try gets through.
        #expect(await eventually(timeout: .seconds(60)) { (try? await client.send(["PING"])) == .simpleString("PONG") })
        kill(redis.process.pid, SIGSTOP)
        defer { kill(redis.process.pid, SIGCONT) }
        let start = ContinuousClock.now
        await #expect(throws: RedisError.self) { try await client.pipeline([["PING"], ["PING"]]) }
        #expect(ContinuousClock.now - start < .seconds(60), "a 1 s timeout, not a wait without end")
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
