import NIOCore
import ParleyCore

/// The form of `POST /v1/audio/transcriptions` and `/v1/audio/translations`, as OpenAI
/// defines it, checked field by field; pure.
struct OpenAIAudioRequest {
    /// The formats OpenAI offers, plus Whisper's `tsv`.
    static let formats: [SubtitleFormatter.Format] = [.json, .text, .srt, .verboseJSON, .vtt, .tsv]

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
            throw ParleyError.invalidValue("response_format", "response_format must be one of json, text, srt, verbose_json, vtt, tsv")
        }
        self.format = format
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
        options = ItemOptions(
            task: task == "translate" ? "translate" : nil, prompt: prompt, temperature: temperature, wordTimestamps: words ? true : nil)
    }
}
