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

    /// How `asr+nmt` speech in `source` reaches `target` (`SpeechTranslationPlan.Route`).
    struct SpeechRouteView: Encodable {
        var source: String
        var target: String
        var route: String
    }

    struct LanguagesView: Encodable {
        var asr: [ASRView]
        var translation: [TranslationPairInfo]
        /// Which model translates speech to English: `whisper-translate` always, or
        /// `text-model-else-whisper-translate`.
        var speechToEnglish: String
        var speechTranslation: [SpeechRouteView]

        enum CodingKeys: String, CodingKey {
            case asr, translation
            case speechToEnglish = "speech_to_english"
            case speechTranslation = "speech_translation"
        }
    }

    let engine: (any InferenceEngine)?
    let speechToEnglish: SpeechToEnglish

    func register(on router: Router<ParleyContext>) {
        router.get("/v1/languages", use: list)
    }

    @Sendable func list(_ request: Request, context: ParleyContext) async throws -> Response {
        _ = try context.require(.jobsRead)
        guard let engine else {
            throw ParleyError.engineUnavailable("this process runs no engine; ask a server that runs workers")
        }
        let capabilities = engine.capabilities()
        let plan = SpeechTranslationPlan(capabilities: capabilities, policy: speechToEnglish)
        let spoken = Set(capabilities.asrLanguages.values.joined())
        return try JSONResponse.make(.ok, LanguagesView(
            asr: capabilities.asrLanguages.sorted { $0.key < $1.key }.map { ASRView(model: $0.key, languages: $0.value) },
            translation: capabilities.translationPairs,
            speechToEnglish: speechToEnglish == .whisper ? "whisper-translate" : "text-model-else-whisper-translate",
            speechTranslation: plan.routes(asrLanguages: Array(spoken)).map {
                SpeechRouteView(source: $0.source, target: $0.target, route: $0.route.rawValue)
            }))
    }
}
