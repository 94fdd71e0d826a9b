import Foundation
import ParleyCore

/// Decoding options for one audio item.
public struct TranscriptionOptions: Sendable, Codable, Equatable {
    /// Source language; nil asks the model to detect it.
    public var language: String?
    /// `transcribe` or `translate` (Whisper's speech-to-English).
    public var task: String
    /// Beam width; nil takes the model's configured default.
    public var beamSize: Int?
    public var vadFilter: Bool
    public var wordTimestamps: Bool
    /// Text that primes the decoder.
    public var initialPrompt: String?
    /// Sampling temperature; nil keeps the engine's default (greedy or beam search).
    public var temperature: Double?
    /// Speaker diarization, and what the client said of the speaker count.
    public var diarize: Bool
    public var numSpeakers: Int?
    public var minSpeakers: Int?
    public var maxSpeakers: Int?

    public init(
        language: String? = nil, task: String = "transcribe", beamSize: Int? = nil, vadFilter: Bool = false,
        wordTimestamps: Bool = false, initialPrompt: String? = nil, temperature: Double? = nil, diarize: Bool = false
    ) {
        self.language = language
        self.task = task
        self.beamSize = beamSize
        self.vadFilter = vadFilter
        self.wordTimestamps = wordTimestamps
        self.initialPrompt = initialPrompt
        self.temperature = temperature
        self.diarize = diarize
    }

    /// The options of an item: its language and its own decoding choices.
    public init(language: String?, item options: ItemOptions?) {
        self.init(
            language: language, task: options?.task ?? "transcribe", wordTimestamps: options?.wordTimestamps ?? false,
            initialPrompt: options?.prompt, temperature: options?.temperature, diarize: options?.diarize ?? false)
        numSpeakers = options?.numSpeakers
        minSpeakers = options?.minSpeakers
        maxSpeakers = options?.maxSpeakers
    }

    enum CodingKeys: String, CodingKey {
        case language, task, temperature, diarize
        case numSpeakers = "num_speakers"
        case minSpeakers = "min_speakers"
        case maxSpeakers = "max_speakers"
        case beamSize = "beam_size"
        case vadFilter = "vad_filter"
        case wordTimestamps = "word_timestamps"
        case initialPrompt = "initial_prompt"
    }
}

/// One audio item to transcribe.
public struct TranscriptionRequest: Sendable {
    public var id: String
    public var audio: Data
    public var options: TranscriptionOptions
    /// When set, the transcript is also translated into this language.
    public var translateTo: String?

    public init(id: String, audio: Data, options: TranscriptionOptions, translateTo: String? = nil) {
        self.id = id
        self.audio = audio
        self.options = options
        self.translateTo = translateTo
    }
}

/// Texts of one item to translate; `source` nil asks the engine to detect it.
public struct TextTranslationRequest: Sendable {
    public var id: String
    public var texts: [String]
    public var source: String?
    public var target: String

    public init(id: String, texts: [String], source: String?, target: String) {
        self.id = id
        self.texts = texts
        self.source = source
        self.target = target
    }
}

/// One item's translation, its texts in the request's order.
public struct TextTranslationResult: Sendable, Decodable, Equatable {
    public var texts: [String]
    /// The source language, given or detected.
    public var source: String
    public var sourceProbability: Double
    public var detected: Bool
    /// `identity`, `direct`, `pivot` or `external`.
    public var route: String
    /// The backends that served it, joined by `+`.
    public var model: String

    enum CodingKeys: String, CodingKey {
        case texts, source, detected, route, model
        case sourceProbability = "source_probability"
    }
}

/// A translation pair a deployment serves, and how.
public struct TranslationPairInfo: Sendable, Codable, Equatable {
    public var source: String
    public var target: String
    /// `direct`, `pivot` or `external`.
    public var kind: String
    public var backends: [String]
}

/// What the loaded models can do, for `GET /v1/languages`.
public struct EngineCapabilities: Sendable, Equatable {
    /// Languages per ASR model group.
    public var asrLanguages: [String: [String]]
    public var translationPairs: [TranslationPairInfo]
    /// Whether a translator may serve pairs beyond `translationPairs`: an external service
    /// that lists no languages, or a translator not loaded yet (its answer decides).
    public var translatesAnyPair: Bool

    public init(asrLanguages: [String: [String]] = [:], translationPairs: [TranslationPairInfo] = [], translatesAnyPair: Bool = false) {
        self.asrLanguages = asrLanguages
        self.translationPairs = translationPairs
        self.translatesAnyPair = translatesAnyPair
    }
}

/// Whether an engine can take work, for `/v1/ready`.
public struct EngineHealth: Sendable, Equatable {
    /// Every configured model is loaded in at least one process.
    public var ready: Bool
    /// A model keeps failing to start.
    public var unhealthy: Bool
    public var detail: String

    public init(ready: Bool, unhealthy: Bool, detail: String) {
        self.ready = ready
        self.unhealthy = unhealthy
        self.detail = detail
    }
}

/// Runs models. A batch either answers per item (a bad item fails alone) or
/// throws a retryable error for the whole batch (crash, timeout).
public protocol InferenceEngine: Sendable {
    /// The model groups this engine serves.
    var models: [String] { get }
    /// What a model group runs, or nil when this engine does not serve it.
    func kind(of model: String) -> ModelKind?
    func transcribe(model: String, requests: [TranscriptionRequest]) async throws -> [String: Result<ItemResult, ParleyError>]
    func translate(model: String, requests: [TextTranslationRequest]) async throws -> [String: Result<TextTranslationResult, ParleyError>]
    func capabilities() -> EngineCapabilities
    func health() -> EngineHealth
}
