import ParleyCore

/// A transcription result as the engine writes it (`Transcript.to_dict()` in
/// `engine/parley_engine/whisper_backend.py`, plus its translation): the wire contract,
/// kept apart from `ItemResult`, the document Parley stores and serves, so either can change
/// without the other. Segments and words share Core's value types, which carry their own
/// field names.
struct EngineTranscript: Decodable, Sendable {
    struct EngineTranslation: Decodable, Sendable {
        var text: String
        var language: String
        var model: String
        var segments: [TranscriptSegment]?
    }

    var text: String
    var language: String?
    var languageProbability: Double
    var duration: Double
    var model: String
    /// `transcribe` or `translate`: what the decoding did (not stored; the item says what it asked).
    var task: String?
    var segments: [TranscriptSegment]
    var translation: EngineTranslation?
    var noSpeech: Bool?
    var speechSeconds: Double?
    var avgLogprob: Double?
    var lowConfidence: Bool?
    var droppedSegments: Int?
    var speakerCount: Int?
    var speakerTurns: [SpeakerTurn]?

    enum CodingKeys: String, CodingKey {
        case text, language, duration, model, task, segments, translation
        case languageProbability = "language_probability"
        case noSpeech = "no_speech"
        case speechSeconds = "speech_seconds"
        case avgLogprob = "avg_logprob"
        case lowConfidence = "low_confidence"
        case droppedSegments = "dropped_segments"
        case speakerCount = "speaker_count"
        case speakerTurns = "speaker_turns"
    }

    /// The stored and served document.
    var itemResult: ItemResult {
        var result = ItemResult(
            text: text, language: language, languageProbability: languageProbability, duration: duration, model: model,
            segments: segments,
            translation: translation.map { Translation(text: $0.text, language: $0.language, model: $0.model, segments: $0.segments) })
        result.noSpeech = noSpeech
        result.speechSeconds = speechSeconds
        result.avgLogprob = avgLogprob
        result.lowConfidence = lowConfidence
        result.droppedSegments = droppedSegments
        result.speakerCount = speakerCount
        result.speakerTurns = speakerTurns
        return result
    }
}
