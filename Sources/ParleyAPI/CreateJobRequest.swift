/// The body of `POST /v1/jobs`, as sent; `JobValidator` checks it. Encoded again (keys
/// sorted) it is the request's canonical form for `Idempotency-Key`.
struct CreateJobRequest: Codable {
    struct Item: Codable {
        var id: String?
        var audioURL: String?
        var base64: String?
        var uploadId: String?
        var text: String?
        var srcLng: String?
        var tgtLng: String?
        /// The item's own diarization choices, over the job's.
        var diarize: Bool?
        var numSpeakers: Int?
        var minSpeakers: Int?
        var maxSpeakers: Int?

        enum CodingKeys: String, CodingKey {
            case id, base64, text, diarize
            case numSpeakers = "num_speakers"
            case minSpeakers = "min_speakers"
            case maxSpeakers = "max_speakers"
            case audioURL = "audio_url"
            case uploadId = "upload_id"
            case srcLng = "src_lng"
            case tgtLng = "tgt_lng"
        }
    }

    var jobType: String?
    var items: [Item]?
    var defaultSrcLng: String?
    var defaultTgtLng: String?
    var priority: Int?
    var webhookURL: String?
    var wordTimestamps: Bool?
    var webhookAuthHeaderName: String?
    var webhookAuthHeaderValue: String?
    var deleteAfterSeconds: Int?
    /// Speaker diarization for every audio item (an item may say otherwise).
    var diarize: Bool?
    var numSpeakers: Int?
    var minSpeakers: Int?
    var maxSpeakers: Int?

    enum CodingKeys: String, CodingKey {
        case items, priority, diarize
        case numSpeakers = "num_speakers"
        case minSpeakers = "min_speakers"
        case maxSpeakers = "max_speakers"
        case deleteAfterSeconds = "delete_after_seconds"
        case webhookURL = "webhook_url"
        case wordTimestamps = "word_timestamps"
        case webhookAuthHeaderName = "webhook_auth_header_name"
        case webhookAuthHeaderValue = "webhook_auth_header_value"
        case jobType = "job_type"
        case defaultSrcLng = "default_src_lng"
        case defaultTgtLng = "default_tgt_lng"
    }
}
