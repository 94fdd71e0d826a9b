import ParleyCore

/// The error object of a failed item.
struct ItemErrorView: Codable, Equatable {
    var code: String
    var message: String
}

/// One item as `GET /v1/jobs/{id}` shows it.
struct ItemView: Encodable {
    var id: String
    var status: String
    var attempts: Int
    var detectedLanguage: String?
    var languageProbability: Double?
    var modelUsed: String?
    var audioSeconds: Double?
    /// How many speakers a diarized item's result holds.
    var speakers: Int?
    var error: ItemErrorView?
    var resultURL: String?
    /// A presigned URL of the result JSON in object storage, when the blob store makes them.
    var downloadURL: String?
    var startedAt: String?
    var finishedAt: String?

    init(_ item: JobItem, downloadURL: String? = nil) {
        id = item.clientId
        status = item.status.rawValue
        attempts = item.attempts
        detectedLanguage = item.detectedLanguage
        languageProbability = item.languageProbability
        modelUsed = item.modelUsed
        audioSeconds = item.audioSeconds
        speakers = item.speakers
        if item.status == .failed || (item.status == .queued && item.errorCode != nil) {
            error = item.errorCode.map { ItemErrorView(code: $0, message: item.errorMessage ?? "") }
        }
        resultURL = item.status == .succeeded ? "/v1/jobs/\(item.jobId)/items/\(item.clientId)/result" : nil
        self.downloadURL = item.status == .succeeded ? downloadURL : nil
        startedAt = item.startedAt?.iso8601
        finishedAt = item.finishedAt?.iso8601
    }

    enum CodingKeys: String, CodingKey {
        case id, status, attempts, error, speakers
        case detectedLanguage = "detected_language"
        case languageProbability = "language_probability"
        case modelUsed = "model_used"
        case audioSeconds = "audio_seconds"
        case resultURL = "result_url"
        case downloadURL = "download_url"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }
}

/// A job as the API shows it; `items` only on `GET /v1/jobs/{id}`.
struct JobView: Encodable {
    var id: String
    var jobType: String
    var status: String
    var priority: Int
    var progress: JobCounts
    var options: JobOptions
    var createdAt: String
    var updatedAt: String
    var startedAt: String?
    var finishedAt: String?
    /// Seconds after its end that the job's content is purged; absent: kept until deleted.
    var deleteAfterSeconds: Int?
    /// When the janitor purges it, once it has ended.
    var purgeAt: String?
    var items: [ItemView]?
    var webhookDeliveries: [WebhookDeliveryView]?

    /// - Parameter presign: a presigned URL for a result key, when storage makes them.
    init(
        _ job: Job, items: [JobItem]? = nil, webhookDeliveries: [WebhookDelivery]? = nil,
        presign: (String) -> String? = { _ in nil }
    ) {
        id = job.id
        jobType = job.type.rawValue
        status = job.status.rawValue
        priority = job.priority
        progress = job.counts
        options = job.options
        // The webhook's auth header value is a secret: stored, sent, never shown.
        options.webhook?.authHeaderValue = nil
        self.webhookDeliveries = job.options.webhook == nil ? nil : webhookDeliveries?.map(WebhookDeliveryView.init)
        createdAt = job.createdAt.iso8601
        updatedAt = job.updatedAt.iso8601
        startedAt = job.startedAt?.iso8601
        finishedAt = job.finishedAt?.iso8601
        deleteAfterSeconds = job.retentionSeconds
        if let finished = job.finishedAt, let seconds = job.retentionSeconds { purgeAt = (finished + Millis(seconds) * 1_000).iso8601 }
        self.items = items?.map { item in ItemView(item, downloadURL: item.resultRef.flatMap(presign)) }
    }

    enum CodingKeys: String, CodingKey {
        case id, status, priority, progress, options, items
        case webhookDeliveries = "webhook_deliveries"
        case jobType = "job_type"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case deleteAfterSeconds = "delete_after_seconds"
        case purgeAt = "purge_at"
    }
}

/// A webhook delivery and every attempt at it, as `GET /v1/jobs/{id}` shows them.
struct WebhookDeliveryView: Encodable {
    struct AttemptView: Encodable {
        var at: String
        var statusCode: Int?
        var error: String?

        enum CodingKeys: String, CodingKey {
            case at, error
            case statusCode = "status_code"
        }
    }

    var id: String
    var url: String
    var status: String
    var attempts: [AttemptView]
    var nextAttemptAt: String?
    var deliveredAt: String?

    init(_ delivery: WebhookDelivery) {
        id = delivery.id
        url = delivery.url
        status = delivery.status.rawValue
        attempts = delivery.attempts.map { AttemptView(at: $0.at.iso8601, statusCode: $0.statusCode, error: $0.error) }
        nextAttemptAt = delivery.status == .pending ? delivery.nextAttemptAt.iso8601 : nil
        deliveredAt = delivery.deliveredAt?.iso8601
    }

    enum CodingKeys: String, CodingKey {
        case id, url, status, attempts
        case nextAttemptAt = "next_attempt_at"
        case deliveredAt = "delivered_at"
    }
}

/// The answer to `POST /v1/jobs`.
struct CreatedJobView: Encodable {
    var jobId: String
    var enqueuedTasks: Int
    var status: String
    var createdAt: String

    enum CodingKeys: String, CodingKey {
        case status
        case jobId = "job_id"
        case enqueuedTasks = "enqueued_tasks"
        case createdAt = "created_at"
    }
}

/// A page of `GET /v1/jobs`.
struct JobListView: Encodable {
    var data: [JobView]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case data
        case nextCursor = "next_cursor"
    }
}

/// One item's outcome in `GET /v1/jobs/{id}/results`.
struct ItemResultView: Encodable {
    var id: String
    var status: String
    var result: ItemResult?
    var error: ItemErrorView?
}
