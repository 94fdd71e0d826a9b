import NIOCore
import ParleyCore

/// The form of `POST /v1/audio/transcriptions` and `/v1/audio/translations`, as OpenAI
/// defines it, checked field by field; pure. Diarization: `response_format=diarized_json`
/// (OpenAI's), or `diarize=true` with any format, and Parley's `num_speakers`, `min_speakers`
/// and `max_speakers`; OpenAI's `chunking_strategy` is accepted and has no effect (Parley
/// cuts audio by its own VAD).
struct OpenAIAudioRequest {
    /// The formats OpenAI offers, plus Whisper's `tsv`.
    static let formats: [SubtitleFormatter.Format] = [.json, .text, .srt, .verboseJSON, .vtt, .tsv, .diarizedJSON]

    var audio: ByteBuffer
    var model: String
    var language: String?
    var format: SubtitleFormatter.Format
    var options: ItemOptions

    /// - Parameter task: `transcribe` or `translate` (speech to English; it takes no language).
    init(_ form: MultipartForm, task: String, maxBytes: Int) throws {
        guard let file = form.part("file") else { throw ParleyError.missingField("file") }
        guard file.body.readableBytes > 0 else { throw ParleyError.invalidValue("file", "file is empty") }
        guard file.body.readableBytes <= maxBytes else {
            throw ParleyError(code: "input_too_large", message: "the audio exceeds \(maxBytes) bytes", param: "file", status: 413)
        }
        audio = file.body
        guard let model = form.text("model"), !model.isEmpty else { throw ParleyError.missingField("model") }
        self.model = model
        if task == "transcribe", let raw = form.text("language"), !raw.isEmpty {
            guard let code = LanguageCode.normalize(raw) else { throw ParleyError.unknownLanguage("language", raw) }
            language = code
        }
        let formatText = form.text("response_format") ?? "json"
        guard let format = SubtitleFormatter.Format(rawValue: formatText), Self.formats.contains(format) else {
            throw ParleyError.invalidValue(
                "response_format", "response_format must be one of \(Self.formats.map(\.rawValue).joined(separator: ", "))")
        }
        self.format = format
        let speakers = try Self.speakers(form, format: format, task: task)
        var temperature: Double?
        if let raw = form.text("temperature"), !raw.isEmpty {
            guard let value = Double(raw), (0...1).contains(value) else {
                throw ParleyError.invalidValue("temperature", "temperature must be a number from 0 to 1")
            }
            temperature = value
        }
        let granularities = form.texts("timestamp_granularities[]") + form.texts("timestamp_granularities")
        guard granularities.allSatisfy({ ["segment", "word"].contains($0) }) else {
            throw ParleyError.invalidValue("timestamp_granularities[]", "timestamp_granularities[] takes segment and word")
        }
        let words = granularities.contains("word")
        if words && format != .verboseJSON {
            throw ParleyError.invalidValue("timestamp_granularities[]", "word timestamps need response_format verbose_json")
        }
        let prompt = form.text("prompt").flatMap { $0.isEmpty ? nil : $0 }
        if let prompt, prompt.count > 4_000 {
            throw ParleyError.invalidValue("prompt", "prompt is at most 4000 characters")
        }
        options = speakers.itemOptions(wordTimestamps: words) ?? ItemOptions()
        options.task = task == "translate" ? "translate" : nil
        options.prompt = prompt
        options.temperature = temperature
    }

    /// The diarization fields, checked; `diarized_json` asks for diarization by itself.
    static func speakers(_ form: MultipartForm, format: SubtitleFormatter.Format, task: String) throws -> SpeakerChoice {
        var choice = SpeakerChoice()
        if let raw = form.text("diarize"), !raw.isEmpty {
            guard let value = Bool(raw.lowercased()) else { throw ParleyError.invalidValue("diarize", "diarize must be true or false") }
            choice.diarize = value
        }
        if format == .diarizedJSON {
            guard choice.diarize != false, task == "transcribe" else {
                throw ParleyError.invalidValue("response_format", "diarized_json is a diarized transcription (not a translation)")
            }
            choice.diarize = true
        }
        for (name, path) in [("num_speakers", \SpeakerChoice.num), ("min_speakers", \.min), ("max_speakers", \.max)] {
            guard let raw = form.text(name), !raw.isEmpty else { continue }
            guard let value = Int(raw) else { throw ParleyError.invalidValue(name, "\(name) must be a whole number") }
            choice[keyPath: path] = value
        }
        try choice.check(prefix: "", takesAudio: true)
        return choice
    }
}
