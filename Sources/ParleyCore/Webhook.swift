/// Where a job's end is announced: AssemblyAI-style URL plus an optional auth header.
public struct WebhookTarget: Sendable, Codable, Equatable {
    public var url: String
    public var authHeaderName: String?
    /// Sent as given; never shown back by the API.
    public var authHeaderValue: String?

    public init(url: String, authHeaderName: String? = nil, authHeaderValue: String? = nil) {
        self.url = url
        self.authHeaderName = authHeaderName
        self.authHeaderValue = authHeaderValue
    }

    enum CodingKeys: String, CodingKey {
        case url
        case authHeaderName = "auth_header_name"
        case authHeaderValue = "auth_header_value"
    }
}

/// Where a webhook delivery stands.
public enum WebhookDeliveryStatus: String, Sendable, Codable {
    case pending, delivered, failed
}

/// One try at delivering a webhook: the receiver's HTTP status, or why there was none.
public struct WebhookAttempt: Sendable, Codable, Equatable {
    public var at: Millis
    public var statusCode: Int?
    public var error: String?

    public init(at: Millis, statusCode: Int? = nil, error: String? = nil) {
        self.at = at
        self.statusCode = statusCode
        self.error = error
    }

    /// A 2xx answer ends the delivery.
    public var succeeded: Bool { statusCode.map { (200..<300).contains($0) } ?? false }

    enum CodingKeys: String, CodingKey {
        case at
        case statusCode = "status_code"
        case error
    }
}

/// The durable announcement of a job's end, queued in the same transaction that ended the job.
public struct WebhookDelivery: Sendable, Equatable {
    public var id: String
    public var jobId: String
    public var ownerKeyId: String
    public var url: String
    public var status: WebhookDeliveryStatus
    public var attempts: [WebhookAttempt]
    public var nextAttemptAt: Millis
    public var createdAt: Millis
    public var deliveredAt: Millis?

    public init(
        id: String, jobId: String, ownerKeyId: String, url: String, status: WebhookDeliveryStatus = .pending,
        attempts: [WebhookAttempt] = [], nextAttemptAt: Millis, createdAt: Millis, deliveredAt: Millis? = nil
    ) {
        self.id = id
        self.jobId = jobId
        self.ownerKeyId = ownerKeyId
        self.url = url
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }

    /// The delivery after `attempt`: delivered on 2xx, failed after `maxAttempts`, else pending
    /// again after an exponential backoff of `baseDelay` × 2^(tries − 1), capped at `maxDelay`.
    public func after(_ attempt: WebhookAttempt, maxAttempts: Int, baseDelay: Millis, maxDelay: Millis) -> WebhookDelivery {
        var next = self
        next.attempts.append(attempt)
        if attempt.succeeded {
            next.status = .delivered
            next.deliveredAt = attempt.at
        } else if next.attempts.count >= maxAttempts {
            next.status = .failed
        } else {
            let shift = min(next.attempts.count - 1, 30)
            next.nextAttemptAt = attempt.at + min(maxDelay, baseDelay * (Millis(1) << shift))
        }
        return next
    }
}
