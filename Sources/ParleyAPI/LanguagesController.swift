import HTTPTypes
import Hummingbird
import ParleyCore
import ParleyEngine

/// `GET /v1/languages`: what this deployment can do, read from its loaded models.
struct LanguagesController {
    struct ASRView: Encodable {
        var model: String
        var languages: [String]
    }

    struct LanguagesView: Encodable {
        var asr: [ASRView]
        var translation: [TranslationPairInfo]
        /// Whisper's own speech-to-English translation serves `asr+nmt` to `en` from any ASR language.
        var speechToEnglish: String

        enum CodingKeys: String, CodingKey {
            case asr, translation
            case speechToEnglish = "speech_to_english"
        }
    }

    let engine: (any InferenceEngine)?

    func register(on router: Router<ParleyContext>) {
        router.get("/v1/languages", use: list)
    }

    @Sendable func list(_ request: Request, context: ParleyContext) async throws -> Response {
        _ = try context.require(.jobsRead)
        guard let engine else {
            throw ParleyError.engineUnavailable("this process runs no engine; ask a server that runs workers")
        }
        let capabilities = engine.capabilities()
        return try JSONResponse.make(.ok, LanguagesView(
            asr: capabilities.asrLanguages.sorted { $0.key < $1.key }.map { ASRView(model: $0.key, languages: $0.value) },
            translation: capabilities.translationPairs,
            speechToEnglish: "whisper-translate"))
    }
}
