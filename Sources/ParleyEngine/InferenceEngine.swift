import Foundation
import ParleyCore

/// Decoding options for one audio item.
public struct TranscriptionOptions: Sendable, Codable, Equatable {
    /// Source language; nil asks the model to detect it.
    public var language: String?
    /// `transcribe` or `translate` (Whisper's speech-to-English).
    public var task: String
    public var beamSize: Int
    public var vadFilter: Bool
    public var wordTimestamps: Bool

    public init(language: String? = nil, task: String = "transcribe", beamSize: Int = 5, vadFilter: Bool = false, wordTimestamps: Bool = false) {
        self.language = language
        self.task = task
        self.beamSize = beamSize
        self.vadFilter = vadFilter
        self.wordTimestamps = wordTimestamps
    }

    enum CodingKeys: String, CodingKey {
        case language, task
        case beamSize = "beam_size"
        case vadFilter = "vad_filter"
        case wordTimestamps = "word_timestamps"
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
    func transcribe(model: String, requests: [TranscriptionRequest]) async throws -> [String: Result<ItemResult, ParleyError>]
    func health() -> EngineHealth
}
