import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ParleyCore
import ParleyLimits
import ServiceLifecycle

/// Reports error events to a Sentry-compatible DSN over HTTP, with no Sentry SDK.
///
/// `report` only enqueues (the newest 100 wait); the service's `run` sends them,
/// at most `perMinute` a minute, and drops the rest with a log line.
public final class SentryReporter: ErrorReporter, Service {
    private let dsn: SentryDSN
    private let release: String
    private let environment: String
    private let logger: Logger
    private let stream: AsyncStream<ErrorEvent>
    private let continuation: AsyncStream<ErrorEvent>.Continuation
    private let limiter: MemoryRateLimiter
    private let rule: RateRule

    public init(dsn: SentryDSN, release: String, environment: String, perMinute: Int = 30, logger: Logger) {
        self.dsn = dsn
        self.release = release
        self.environment = environment
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: ErrorEvent.self, bufferingPolicy: .bufferingNewest(100))
        limiter = MemoryRateLimiter()
        rule = RateRule(capacity: Double(max(perMinute, 1)), refillPerSecond: Double(max(perMinute, 1)) / 60)
    }

    public func report(_ event: ErrorEvent) {
        continuation.yield(event)
    }

    public func run() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        await withGracefulShutdownHandler {
            for await event in stream {
                await send(event, client: client)
            }
        } onGracefulShutdown: {
            self.continuation.finish()
        }
        try await client.shutdown()
    }

    private func send(_ event: ErrorEvent, client: HTTPClient) async {
        guard (try? await limiter.acquire(key: "sentry", rule: rule, cost: 1).allowed) == true else {
            return logger.warning("error report dropped by rate limit", metadata: ["kind": "\(event.kind)"])
        }
        do {
            let eventId = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let body = try SentryEnvelope.encode(event, dsn: dsn, release: release, environment: environment, eventId: eventId, at: Date())
            var request = HTTPClientRequest(url: dsn.envelopeURL)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-sentry-envelope")
            request.headers.add(name: "X-Sentry-Auth", value: dsn.authHeader)
            request.body = .bytes(ByteBuffer(bytes: body))
            let response = try await client.execute(request, timeout: .seconds(10))
            if response.status.code >= 300 {
                logger.warning("error report refused", metadata: ["status": "\(response.status.code)"])
            }
        } catch {
            logger.warning("error report failed", metadata: ["error": "\(type(of: error))"])
        }
    }
}
