/// The names of every metric Parley exports; dashboards are checked against this list.
public enum MetricName {
    /// Requests by route template, method and status.
    public static let httpRequests = "parley_http_requests_total"
    /// Request latency by route template and method.
    public static let httpRequestDuration = "parley_http_request_duration_seconds"
    /// Jobs accepted, by job type.
    public static let jobsCreated = "parley_jobs_created_total"
    /// Items that ended or were requeued, by kind, status (`succeeded`, `failed`, `retried`) and model.
    public static let itemsFinished = "parley_items_finished_total"
    /// Items queued or running, by status and model, sampled from the store.
    public static let queueItems = "parley_queue_items"
    /// Time per item and stage (`fetch`, `decode`, `infer`, `store`), by model.
    public static let itemDuration = "parley_item_duration_seconds"
    /// Audio transcribed, by model and language.
    public static let audioSeconds = "parley_audio_seconds_total"
    /// Audio seconds per wall second of the engine's last batch, by model.
    public static let engineRealtimeFactor = "parley_engine_realtime_factor"
    /// Engine processes restarted after a crash, hang or failed start, by model.
    public static let engineRestarts = "parley_engine_restarts_total"
    /// Requests refused by the rate limiter, by route class.
    public static let rateLimitRejections = "parley_ratelimit_rejections_total"
    /// Rate-limit decisions Redis could not make (the failure mode decided instead).
    public static let rateLimiterFailures = "parley_ratelimit_backend_failures_total"
    /// Webhook delivery attempts by outcome: `delivered`, `retry` (will try again), `failed` (gave up).
    public static let webhookDeliveries = "parley_webhook_deliveries_total"

    /// The `# HELP` text of each metric.
    public static let help: [String: String] = [
        httpRequests: "HTTP requests by route template, method and status.",
        httpRequestDuration: "HTTP request latency in seconds by route template and method.",
        jobsCreated: "Jobs accepted, by job type.",
        itemsFinished: "Items that ended or were requeued, by kind, status and model.",
        queueItems: "Items queued or running, by status and model, sampled from the store.",
        itemDuration: "Seconds per item and stage (fetch, decode, infer, store), by model.",
        audioSeconds: "Seconds of audio transcribed, by model and language.",
        engineRealtimeFactor: "Audio seconds per wall second of the engine's last batch, by model.",
        engineRestarts: "Engine processes restarted after a crash, hang or failed start, by model.",
        rateLimitRejections: "Requests refused by the rate limiter, by route class.",
        rateLimiterFailures: "Rate-limit decisions the shared limiter (Redis) could not make; the failure mode decided them.",
        webhookDeliveries: "Webhook delivery attempts by outcome: delivered, retry (will try again), failed (gave up).",
    ]

    public static let all = [
        httpRequests, httpRequestDuration, jobsCreated, itemsFinished, queueItems, itemDuration,
        audioSeconds, engineRealtimeFactor, engineRestarts, rateLimitRejections, rateLimiterFailures,
        webhookDeliveries,
    ]
}
