/// Decoding choices of one audio item beyond its language (the OpenAI-style endpoints set them).
public struct ItemOptions: Sendable, Codable, Equatable {
    /// `translate` runs Whisper's speech-to-English instead of transcription.
    public var task: String?
    /// Text that primes the decoder: names, spelling, style.
    public var prompt: String?
    /// Sampling temperature, 0 to 1; nil decodes greedily or by beam search.
    public var temperature: Double?
    /// Whether segments carry word timings.
    public var wordTimestamps: Bool?
    /// Whether the result says who spoke when (speaker diarization).
    public var diarize: Bool?
    /// The exact number of speakers, when the client knows it.
    public var numSpeakers: Int?
    /// Bounds on the number of speakers found.
    public var minSpeakers: Int?
    public var maxSpeakers: Int?

    public init(
        task: String? = nil, prompt: String? = nil, temperature: Double? = nil, wordTimestamps: Bool? = nil,
        diarize: Bool? = nil, numSpeakers: Int? = nil, minSpeakers: Int? = nil, maxSpeakers: Int? = nil
    ) {
        self.task = task
        self.prompt = prompt
        self.temperature = temperature
        self.wordTimestamps = wordTimestamps
        self.diarize = diarize
        self.numSpeakers = numSpeakers
        self.minSpeakers = minSpeakers
        self.maxSpeakers = maxSpeakers
    }

    /// Whether every choice is the default (nothing worth storing).
    public var isDefault: Bool { self == ItemOptions() }

    enum CodingKeys: String, CodingKey {
        case task, prompt, temperature, diarize
        case wordTimestamps = "word_timestamps"
        case numSpeakers = "num_speakers"
        case minSpeakers = "min_speakers"
        case maxSpeakers = "max_speakers"
    }
}
