import Testing
@testable import ParleyEngine

/// The pure speech-translation plan: which model takes an `asr+nmt` item to its target.
@Suite(.timeLimit(.minutes(1))) struct SpeechTranslationPlanTests {
    static let capabilities = EngineCapabilities(
        asrLanguages: ["whisper-base": ["en", "pt", "de"]],
        translationPairs: [
            TranslationPairInfo(source: "en", target: "pt", kind: "direct", backends: ["bergamot"]),
            TranslationPairInfo(source: "pt", target: "en", kind: "direct", backends: ["bergamot"]),
        ])

    @Test(arguments: [
        // source, target, route with policy text, route with policy whisper
        ("en", "pt", SpeechTranslationPlan.Route.textModel, SpeechTranslationPlan.Route.textModel),
        ("pt", "en", .textModel, .whisperTranslate),
        ("de", "en", .whisperTranslate, .whisperTranslate),
        ("de", "pt", .unsupported, .unsupported),
        ("pt", "pt", .identity, .identity),
        ("en", "en", .identity, .whisperTranslate),
    ])
    func knownSources(source: String, target: String, text: SpeechTranslationPlan.Route, whisper: SpeechTranslationPlan.Route) {
        #expect(SpeechTranslationPlan(capabilities: Self.capabilities, policy: .text).route(from: source, to: target) == text)
        #expect(SpeechTranslationPlan(capabilities: Self.capabilities, policy: .whisper).route(from: source, to: target) == whisper)
    }

    @Test func anUnknownSourceIsDecidedAfterDetectionUnlessWhisperTakesEveryEnglishTarget() {
        let text = SpeechTranslationPlan(capabilities: Self.capabilities, policy: .text)
        #expect(text.route(from: nil, to: "en") == .afterDetection)
        #expect(text.route(from: nil, to: "pt") == .afterDetection)
        #expect(!text.translatesInTranscription(from: nil, to: "en"))
        #expect(text.translatesInTranscription(from: "de", to: "en"), "known at once: one call does both")
        let whisper = SpeechTranslationPlan(capabilities: Self.capabilities, policy: .whisper)
        #expect(whisper.route(from: nil, to: "en") == .whisperTranslate)
        #expect(whisper.translatesInTranscription(from: nil, to: "en"))
        #expect(!whisper.translatesInTranscription(from: nil, to: "pt"))
    }

    @Test func aTranslatorThatServesAnyPairTakesEveryPairButTheSameLanguage() {
        var open = Self.capabilities
        open.translatesAnyPair = true
        let plan = SpeechTranslationPlan(capabilities: open, policy: .text)
        #expect(plan.route(from: "de", to: "pt") == .textModel)
        #expect(plan.route(from: "de", to: "en") == .textModel)
        #expect(plan.route(from: "de", to: "de") == .identity)
    }

    @Test func theLanguagesViewListsEveryServedRouteAndNoUnsupportedOne() {
        let routes = SpeechTranslationPlan(capabilities: Self.capabilities, policy: .text).routes(asrLanguages: ["en", "pt", "de"])
        let table = Dictionary(uniqueKeysWithValues: routes.map { ("\($0.source)>\($0.target)", $0.route) })
        #expect(table == [
            "en>en": .identity, "en>pt": .textModel, "pt>en": .textModel, "pt>pt": .identity, "de>en": .whisperTranslate,
        ])
    }
}
