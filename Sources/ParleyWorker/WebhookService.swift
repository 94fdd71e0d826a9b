import AsyncHTTPClient
import Foundation
import Logging
import Metrics
import NIOCore
import ParleySigning
import ParleyCore
import ParleyStore
import ServiceLifecycle
import Synchronization
import ParleyObservability

/// How webhooks are delivered.
public struct WebhookConfiguration: Sendable {
    /// This sender's lease owner id.
    public var owner: String
    /// Tries before a delivery is given up as `failed`.
    public var maxAttempts = 10
    /// The first retry waits this long; each next one twice as long, up to `maxDelay`.
    public var baseDelay: Millis = 5_000
    public var maxDelay: Millis = 3_600_000
    /// How long one POST may take, from connecting to the last byte of the response read.
    public var timeout: Duration = .seconds(10)
    /// Deliveries in flight at once; a slow receiver holds only its own.
    public var concurrency = 16
    /// How often the queue is checked for due deliveries.
    public var pollInterval: Duration = .seconds(1)
    /// Hosts exempt from the outbound address policy (the same list as `audio_url` fetching).
    public var allowedHosts: Set<String> = []
    /// The server secret each key's signing secret derives from.
    public var signing: WebhookSigningKeys

    public init(owner: String, signing: WebhookSigningKeys) {
        self.owner = owner
        self.signing = signing
    }
}

/// Sends queued webhook deliveries until shutdown: signed POSTs to a checked, pinned address,
/// following no redirect, retried with exponential backoff.
///
/// Deliveries are leased from the store, so any number of processes may run a sender; one
/// whose process dies mid-POST leaves a lease that expires, and the delivery is due again.
/// The lease outlives the POST's deadline, so no other sender repeats a POST in flight.
/// Deliveries run side by side: a free slot claims the next due one at once, whatever the
/// others are waiting for.
public struct WebhookService: Service {
    let store: any WebhookStore
    let configuration: WebhookConfiguration
    let logger: Logger

    public init(store: any WebhookStore, configuration: WebhookConfiguration, logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
    }

    /// Sends until shutdown. A graceful shutdown stops claiming and lets the sends in flight
    /// finish and record their attempt (each within the send deadline), so none is left
    /// leased, unsendable by the next process until its lease runs out.
    public func run() async throws {
        let inFlight = InFlight()
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let due = await claim(limit: configuration.concurrency - inFlight.count)
                for delivery in due {
                    inFlight.add(1)
                    group.addTask {
                        await deliver(delivery)
                        inFlight.add(-1)
                    }
                }
                if due.isEmpty { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: configuration.pollInterval) } }
            }
        }
    }

    /// Leases up to `limit` due deliveries for longer than a POST may take.
    private func claim(limit: Int) async -> [WebhookDelivery] {
        guard limit > 0 else { return [] }
        let lease = Millis(configuration.timeout.components.seconds) * 1_000 + 30_000
        do {
            return try await store.claimWebhooks(limit: limit, owner: configuration.owner, lease: lease, now: .now())
        } catch {
            logger.error("claiming webhooks failed", metadata: ["error": "\(error)"])
            return []
        }
    }

    private func deliver(_ delivery: WebhookDelivery) async {
        let metadata: Logger.Metadata = ["job_id": "\(delivery.jobId)", "delivery_id": "\(delivery.id)"]
        do {
            guard let context = try await store.webhookContext(delivery) else {
                // A revoked (or removed) key gets no further deliveries: this one ends failed.
                var ended = delivery
                ended.attempts.append(WebhookAttempt(at: .now(), error: "the job's key was revoked or the job is gone"))
                ended.status = .failed
                _ = try await store.recordWebhook(ended, owner: configuration.owner)
                return logger.warning("webhook's key was revoked or its job is gone; not delivered", metadata: metadata)
            }
            let attempt = await post(delivery, context: context)
            let next = delivery.after(
                attempt, maxAttempts: configuration.maxAttempts, baseDelay: configuration.baseDelay, maxDelay: configuration.maxDelay)
            guard try await store.recordWebhook(next, owner: configuration.owner) else { return }
            let outcome = next.status == .pending ? "retry" : next.status.rawValue
            Counter(label: MetricName.webhookDeliveries, dimensions: [("outcome", outcome)]).increment()
            logger.info("webhook attempt", metadata: metadata.merging([
                "outcome": "\(outcome)", "attempt": "\(next.attempts.count)",
                "status_code": "\(attempt.statusCode.map(String.init) ?? "-")", "error": "\(attempt.error ?? "-")",
            ]) { $1 })
        } catch {
            logger.error("recording a webhook attempt failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
    }

    /// One signed POST; never throws: every failure becomes the attempt's error.
    private func post(_ delivery: WebhookDelivery, context: WebhookContext) async -> WebhookAttempt {
        let started = Millis.now()
        let job = context.job
        do {
            guard let url = URL(string: delivery.url), let host = url.host else {
                return WebhookAttempt(at: started, error: "the webhook URL is malformed")
            }
            let pinned = try await AudioFetcher.checkHost(host, allowed: configuration.allowedHosts)
            let payload = WebhookPayload(
                deliveryId: delivery.id, jobId: job.id, status: job.status.rawValue, counts: job.counts,
                finishedAt: job.finishedAt?.iso8601)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let body = try encoder.encode(payload)
            var request = HTTPClientRequest(url: delivery.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "Parley-Webhook/1")
            request.headers.add(name: "Parley-Delivery", value: delivery.id)
            request.headers.add(
                name: WebhookSignature.headerName,
                value: configuration.signing.header(keyHash: context.keyHash, timestamp: Int(started / 1_000), body: body))
            if let webhook = job.options.webhook, let name = webhook.authHeaderName, let value = webhook.authHeaderValue {
                request.headers.add(name: name, value: value)
            }
            request.body = .bytes(ByteBuffer(data: body))
            let client = AudioFetcher.client(host: host, pinned: pinned)
            let (timeout, prepared) = (configuration.timeout, request)
            let outcome = await Result {
                try await withDeadline(timeout, onTimeout: { ParleyError.urlTimeout("the receiver did not answer within \(timeout)") }) {
                    let response = try await client.execute(prepared, timeout: TimeAmount(timeout))
                    // At most a few KiB of the answer are read; its status is what counts.
                    var read = 0
                    for try await chunk in response.body {
                        read += chunk.readableBytes
                        if read >= 4 * 1_024 { break }
                    }
                    return Int(response.status.code)
                }
            }
            try? await client.shutdown()
            return WebhookAttempt(at: started, statusCode: try outcome.get())
        } catch let error as ParleyError {
            return WebhookAttempt(at: started, error: "\(error.code): \(error.message)")
        } catch {
            return WebhookAttempt(at: started, error: "\(type(of: error)): \(error)")
        }
    }
}

/// The body of a webhook POST.
struct WebhookPayload: Encodable {
    var event = "job.finished"
    var deliveryId: String
    var jobId: String
    var status: String
    var counts: JobCounts
    var finishedAt: String?

    enum CodingKeys: String, CodingKey {
        case event, status, counts
        case deliveryId = "delivery_id"
        case jobId = "job_id"
        case finishedAt = "finished_at"
    }
}

/// How many deliveries are in flight.
private final class InFlight: Sendable {
    private let value = Mutex(0)

    var count: Int { value.withLock { $0 } }

    func add(_ delta: Int) {
        value.withLock { $0 += delta }
    }
}
