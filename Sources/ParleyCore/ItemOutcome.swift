/// How a claimed item ended, as reported by the worker that holds its lease.
public enum ItemOutcome: Sendable, Equatable {
    /// The item produced a result, stored under `resultRef`.
    case succeeded(resultRef: String, metadata: ResultMetadata)
    /// The item failed for good.
    case failed(ParleyError)
    /// The item failed for now; it goes back to the queue until `runAfter`.
    case retry(ParleyError, runAfter: Millis)
}

/// What the item row keeps of a result, beside the result blob.
public struct ResultMetadata: Sendable, Equatable {
    public var modelUsed: String
    public var detectedLanguage: String?
    public var languageProbability: Double?
    public var audioSeconds: Double?
    /// Characters of input text, charged to the key's daily quota (text items).
    public var characters: Int?
    /// Speakers found in a diarized item.
    public var speakers: Int?

    public init(
        modelUsed: String, detectedLanguage: String?, languageProbability: Double?, audioSeconds: Double?, characters: Int? = nil,
        speakers: Int? = nil
    ) {
        self.modelUsed = modelUsed
        self.detectedLanguage = detectedLanguage
        self.languageProbability = languageProbability
        self.audioSeconds = audioSeconds
        self.characters = characters
        self.speakers = speakers
    }
}
