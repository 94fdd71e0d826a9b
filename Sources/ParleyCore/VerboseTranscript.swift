/// OpenAI's `verbose_json` transcription document, made from an item's result: the
/// transcript, its segments and, when asked for, every word with its timing.
public struct VerboseTranscript: Encodable, Equatable {
    public struct Segment: Encodable, Equatable {
        public var id: Int
        public var seek: Int
        public var start: Double
        public var end: Double
        public var text: String
        public var tokens: [Int]
        public var temperature: Double
        public var avgLogprob: Double?
        public var compressionRatio: Double?
        public var noSpeechProb: Double?
        /// Who said it, when the item is diarized.
        public var speaker: String?

        enum CodingKeys: String, CodingKey {
            case id, seek, start, end, text, tokens, temperature, speaker
            case avgLogprob = "avg_logprob"
            case compressionRatio = "compression_ratio"
            case noSpeechProb = "no_speech_prob"
        }
    }

    public struct Word: Encodable, Equatable {
        public var word: String
        public var start: Double
        public var end: Double
    }

    public var task: String
    public var language: String
    public var duration: Double
    public var text: String
    public var segments: [Segment]
    public var words: [Word]?

    /// - Parameters:
    ///   - task: `transcribe` or `translate`.
    ///   - words: whether to list words; they come from segments that carry them.
    public init(_ result: ItemResult, task: String, temperature: Double = 0, words: Bool) {
        self.task = task
        language = result.language ?? ""
        duration = result.duration
        text = result.text
        segments = result.segments.enumerated().map { index, segment in
            Segment(id: index, seek: 0, start: segment.start, end: segment.end, text: segment.text, tokens: [],
                    temperature: temperature, avgLogprob: segment.avgLogprob, compressionRatio: segment.compressionRatio,
                    noSpeechProb: segment.noSpeechProb, speaker: segment.speaker)
        }
        self.words = words
            ? result.segments.flatMap { ($0.words ?? []).map { Word(word: $0.word, start: $0.start, end: $0.end) } } : nil
    }
}
