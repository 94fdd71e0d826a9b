import Foundation

/// One unit of work in a job: a recording to transcribe or a text to translate.
///
/// Named `JobItem` to stay clear of Swift's `Task`.
public struct JobItem: Sendable, Equatable {
    public var id: String
    public var jobId: String
    /// The id the client gave the item, unique within its job.
    public var clientId: String
    public var kind: ItemKind
    public var jobType: JobType
    public var input: ItemInput
    public var srcLng: String?
    public var tgtLng: String?
    /// Decoding choices beyond the language; nil for the defaults.
    public var options: ItemOptions?
    /// The model group whose workers claim this item.
    public var model: String
    public var priority: Int
    public var ownerKeyId: String
    public var status: ItemStatus
    public var attempts: Int
    public var maxAttempts: Int
    public var runAfter: Millis
    public var leaseOwner: String?
    public var leaseExpiresAt: Millis?
    public var resultRef: String?
    public var errorCode: String?
    public var errorMessage: String?
    public var modelUsed: String?
    public var detectedLanguage: String?
    public var languageProbability: Double?
    public var audioSeconds: Double?
    /// Speakers of a diarized item's result.
    public var speakers: Int?
    /// What the item holds reserved of its key's daily quota, in its kind's unit (audio
    /// seconds, or characters); see `Quotas`.
    public var quotaReserved: Double
    public var createdAt: Millis
    public var startedAt: Millis?
    public var finishedAt: Millis?

    public init(
        id: String, jobId: String, clientId: String, kind: ItemKind, jobType: JobType, input: ItemInput,
        srcLng: String?, tgtLng: String?, options: ItemOptions? = nil, model: String, priority: Int, ownerKeyId: String,
        status: ItemStatus = .queued, attempts: Int = 0, maxAttempts: Int, runAfter: Millis,
        leaseOwner: String? = nil, leaseExpiresAt: Millis? = nil, resultRef: String? = nil,
        errorCode: String? = nil, errorMessage: String? = nil, modelUsed: String? = nil,
        detectedLanguage: String? = nil, languageProbability: Double? = nil, audioSeconds: Double? = nil,
        speakers: Int? = nil, quotaReserved: Double = 0, createdAt: Millis, startedAt: Millis? = nil, finishedAt: Millis? = nil
    ) {
        self.id = id
        self.jobId = jobId
        self.clientId = clientId
        self.kind = kind
        self.jobType = jobType
        self.input = input
        self.srcLng = srcLng
        self.tgtLng = tgtLng
        self.options = options
        self.model = model
        self.priority = priority
        self.ownerKeyId = ownerKeyId
        self.status = status
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.runAfter = runAfter
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.resultRef = resultRef
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.modelUsed = modelUsed
        self.detectedLanguage = detectedLanguage
        self.languageProbability = languageProbability
        self.audioSeconds = audioSeconds
        self.speakers = speakers
        self.quotaReserved = quotaReserved
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

extension JobItem {
    /// `options` as stored: JSON, or nil for the defaults.
    public var optionsJSON: String? {
        options.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
    }
}
