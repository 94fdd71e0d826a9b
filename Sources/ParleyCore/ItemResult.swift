/// A span of a transcript with its start and end in seconds, and its words when asked for.
public struct TranscriptSegment: Sendable, Codable, Equatable {
    public var start: Double
    public var end: Double
    public var text: String
    public var words: [TranscriptWord]?

    public init(start: Double, end: Double, text: String, words: [TranscriptWord]? = nil) {
        self.start = start
        self.end = end
        self.text = text
        self.words = words
    }
}

/// One word with its timing (faster-whisper's word timestamps).
public struct TranscriptWord: Sendable, Codable, Equatable {
    public var start: Double
    public var end: Double
    public var word: String
    public var probability: Double?

    public init(start: Double, end: Double, word: String, probability: Double? = nil) {
        self.start = start
        self.end = end
        self.word = word
        self.probability = probability
    }
}

/// A translation of an item's text or transcript.
public struct Translation: Sendable, Codable, Equatable {
    public var text: String
    public var language: String
    public var model: String
    public var segments: [TranscriptSegment]?

    public init(text: String, language: String, model: String, segments: [TranscriptSegment]? = nil) {
        self.text = text
        self.language = language
        self.model = model
        self.segments = segments
    }
}

/// What an item produced: the transcript (for audio) and, for `asr+nmt`, its translation.
///
/// Its JSON form is the engine's wire form and the API's result document alike.
public struct ItemResult: Sendable, Codable, Equatable {
    public var text: String
    public var language: String
    public var languageProbability: Double
    public var duration: Double
    public var model: String
    public var segments: [TranscriptSegment]
    public var translation: Translation?

    public init(
        text: String, language: String, languageProbability: Double, duration: Double, model: String,
        segments: [TranscriptSegment], translation: Translation? = nil
    ) {
        self.text = text
        self.language = language
        self.languageProbability = languageProbability
        self.duration = duration
        self.model = model
        self.segments = segments
        self.translation = translation
    }

    enum CodingKeys: String, CodingKey {
        case text, language, duration, model, segments, translation
        case languageProbability = "language_probability"
    }
}
