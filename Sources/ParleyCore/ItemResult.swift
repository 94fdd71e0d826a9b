/// A span of a transcript with its start and end in seconds, its words when asked for, and
/// the confidence of its decoding (OpenAI's `verbose_json` names; absent on translations).
public struct TranscriptSegment: Sendable, Codable, Equatable {
    public var start: Double
    public var end: Double
    public var text: String
    public var words: [TranscriptWord]?
    /// Mean log-probability of the decoded tokens (0 is certain; under -1 is doubtful).
    public var avgLogprob: Double?
    /// Whisper's probability that the window held no speech.
    public var noSpeechProb: Double?
    /// gzip compression ratio of the text; over 2.4 means repetition.
    public var compressionRatio: Double?
    /// Who said it (`SPEAKER_00`, …), when the item is diarized.
    public var speaker: String?

    public init(
        start: Double, end: Double, text: String, words: [TranscriptWord]? = nil,
        avgLogprob: Double? = nil, noSpeechProb: Double? = nil, compressionRatio: Double? = nil, speaker: String? = nil
    ) {
        self.start = start
        self.end = end
        self.text = text
        self.words = words
        self.avgLogprob = avgLogprob
        self.noSpeechProb = noSpeechProb
        self.compressionRatio = compressionRatio
        self.speaker = speaker
    }

    enum CodingKeys: String, CodingKey {
        case start, end, text, words, speaker
        case avgLogprob = "avg_logprob"
        case noSpeechProb = "no_speech_prob"
        case compressionRatio = "compression_ratio"
    }
}

/// One word with its timing (faster-whisper's word timestamps).
public struct TranscriptWord: Sendable, Codable, Equatable {
    public var start: Double
    public var end: Double
    public var word: String
    public var probability: Double?
    /// Who said it, when the item is diarized.
    public var speaker: String?

    public init(start: Double, end: Double, word: String, probability: Double? = nil, speaker: String? = nil) {
        self.start = start
        self.end = end
        self.word = word
        self.probability = probability
        self.speaker = speaker
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
/// Its JSON form is the stored result and the API's result document (the engine's wire form
/// is `EngineTranscript`, mapped into this). For audio it
/// also says what the speech gate found and how far to trust the text, so a client can filter:
/// `no_speech` (nothing was decoded: no speech), `speech_seconds`, `avg_logprob`,
/// `low_confidence` and `dropped_segments` (text the decoding guards removed). A diarized
/// item adds `speaker_count` and `speaker_turns`, and a `speaker` on every segment and word.
public struct ItemResult: Sendable, Codable, Equatable {
    public var text: String
    /// The spoken (or given) language; nil when the audio holds no believable speech and none was given.
    public var language: String?
    public var languageProbability: Double
    public var duration: Double
    public var model: String
    public var segments: [TranscriptSegment]
    public var translation: Translation?
    public var noSpeech: Bool?
    public var speechSeconds: Double?
    public var avgLogprob: Double?
    public var lowConfidence: Bool?
    public var droppedSegments: Int?
    /// Diarization: how many speakers, and who spoke when.
    public var speakerCount: Int?
    public var speakerTurns: [SpeakerTurn]?

    public init(
        text: String, language: String?, languageProbability: Double, duration: Double, model: String,
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
        case noSpeech = "no_speech"
        case speechSeconds = "speech_seconds"
        case avgLogprob = "avg_logprob"
        case lowConfidence = "low_confidence"
        case droppedSegments = "dropped_segments"
        case speakerCount = "speaker_count"
        case speakerTurns = "speaker_turns"
    }

    /// As synthesised, except that a missing language is written as `null`, not left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(text, forKey: .text)
        try container.encode(language, forKey: .language)
        try container.encode(languageProbability, forKey: .languageProbability)
        try container.encode(duration, forKey: .duration)
        try container.encode(model, forKey: .model)
        try container.encode(segments, forKey: .segments)
        try container.encodeIfPresent(translation, forKey: .translation)
        try container.encodeIfPresent(noSpeech, forKey: .noSpeech)
        try container.encodeIfPresent(speechSeconds, forKey: .speechSeconds)
        try container.encodeIfPresent(avgLogprob, forKey: .avgLogprob)
        try container.encodeIfPresent(lowConfidence, forKey: .lowConfidence)
        try container.encodeIfPresent(droppedSegments, forKey: .droppedSegments)
        try container.encodeIfPresent(speakerCount, forKey: .speakerCount)
        try container.encodeIfPresent(speakerTurns, forKey: .speakerTurns)
    }
}
