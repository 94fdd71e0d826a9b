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

    public init(task: String? = nil, prompt: String? = nil, temperature: Double? = nil, wordTimestamps: Bool? = nil) {
        self.task = task
        self.prompt = prompt
        self.temperature = temperature
        self.wordTimestamps = wordTimestamps
    }

    enum CodingKeys: String, CodingKey {
        case task, prompt, temperature
        case wordTimestamps = "word_timestamps"
    }
}
