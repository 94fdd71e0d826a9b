/// Which model translates speech into English for `asr+nmt` jobs.
public enum SpeechToEnglish: String, Sendable {
    /// A text model when one serves the pair (usually better), else Whisper's translate task.
    case text
    /// Always Whisper's own translate task.
    case whisper
}

/// How an `asr+nmt` item's speech reaches its target language; pure, decided from what the
/// loaded models serve, by the worker (per item) and by `GET /v1/languages`.
///
/// An item costs at most two engine round trips: Whisper's transcription, with the English
/// translation in the same call when the route is known to be Whisper's; then, once the
/// transcript's language is known, either the text model or Whisper's translate task.
public struct SpeechTranslationPlan: Sendable {
    /// One item's route.
    public enum Route: String, Sendable, Equatable {
        /// The source is the target: the transcript is the translation.
        case identity
        /// A text model translates the transcript, segment by segment.
        case textModel = "text_model"
        /// Whisper's translate task (speech to English).
        case whisperTranslate = "whisper_translate"
        /// The source is not known yet: transcribe first, then plan with the detected language.
        case afterDetection = "after_detection"
        /// No model serves the pair.
        case unsupported
    }

    public let policy: SpeechToEnglish
    private let pairs: Set<String>
    private let anyPair: Bool

    public init(capabilities: EngineCapabilities, policy: SpeechToEnglish) {
        self.policy = policy
        pairs = Set(capabilities.translationPairs.map { Self.pairKey($0.source, $0.target) })
        anyPair = capabilities.translatesAnyPair
    }

    /// The route from `source` (nil: not known until the transcript detects it) to `target`.
    public func route(from source: String?, to target: String) -> Route {
        if target == "en" && policy == .whisper { return .whisperTranslate }
        guard let source else { return .afterDetection }
        if source == target { return .identity }
        if anyPair || pairs.contains(Self.pairKey(source, target)) { return .textModel }
        return target == "en" ? .whisperTranslate : .unsupported
    }

    /// Whether the one transcription call should also translate to English: only when the
    /// route is Whisper's before anything is detected, so no second call is needed.
    public func translatesInTranscription(from source: String?, to target: String) -> Bool {
        route(from: source, to: target) == .whisperTranslate
    }

    /// Every route from the ASR languages to the targets some model serves, for `GET /v1/languages`.
    public func routes(asrLanguages: [String]) -> [(source: String, target: String, route: Route)] {
        let targets = Set(pairs.compactMap { $0.split(separator: ">").last.map(String.init) } + ["en"]).sorted()
        return asrLanguages.sorted().flatMap { source in
            targets.compactMap { target in
                let route = route(from: source, to: target)
                return route == .unsupported ? nil : (source, target, route)
            }
        }
    }

    private static func pairKey(_ source: String, _ target: String) -> String { "\(source)>\(target)" }
}
