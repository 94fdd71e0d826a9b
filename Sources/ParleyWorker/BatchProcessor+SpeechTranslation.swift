import Foundation
import ParleyCore
import ParleyEngine

extension BatchProcessor {
    /// The routes from speech to a target language that the engine's loaded models serve now.
    var speechPlan: SpeechTranslationPlan {
        SpeechTranslationPlan(capabilities: engine.capabilities(), policy: configuration.speechToEnglish)
    }

    /// The second call of `asr+nmt` items: each transcript goes, by its detected or given
    /// language, to the text model (segment by segment, so subtitles keep their timings and
    /// speakers) or to Whisper's translate task (its segments get the speakers of the
    /// transcript's turns, without diarizing again); both calls run at once. A transcript without text gets an
    /// empty translation, one in the target language its own text.
    func translateTranscripts(
        _ items: [JobItem], requests: [TranscriptionRequest], model: String, plan: SpeechTranslationPlan,
        into results: inout [String: Result<ItemResult, ParleyError>]
    ) async {
        var toText: [TextTranslationRequest] = []
        var toWhisper: [TranscriptionRequest] = []
        let audio = Dictionary(uniqueKeysWithValues: requests.map { ($0.id, $0) })
        for item in items {
            guard case .success(var transcript)? = results[item.id], let target = item.tgtLng else { continue }
            guard !transcript.text.isEmpty else {
                // No speech (or none believable): there is nothing to translate.
                transcript.translation = Translation(text: "", language: target, model: configuration.translationModel, segments: [])
                results[item.id] = .success(transcript)
                continue
            }
            switch plan.route(from: transcript.language, to: target) {
            case .identity:
                transcript.translation = Translation(
                    text: transcript.text, language: target, model: "identity", segments: transcript.segments)
                results[item.id] = .success(transcript)
            case .textModel, .afterDetection:
                let texts = transcript.segments.isEmpty ? [transcript.text] : transcript.segments.map(\.text)
                toText.append(TextTranslationRequest(id: item.id, texts: texts, source: transcript.language, target: target))
            case .whisperTranslate:
                guard var request = audio[item.id] else { continue }
                request.options.task = "translate"
                request.options.language = transcript.language
                request.options.diarize = false
                toWhisper.append(request)
            case .unsupported:
                results[item.id] = .failure(.unsupportedLanguagePair(transcript.language ?? "unknown", target))
            }
        }
        async let text = translateTexts(toText)
        async let speech = translateSpeech(toWhisper, model: model)
        let (byText, byWhisper) = await (text, speech)
        for (id, outcome) in byText {
            guard case .success(var transcript)? = results[id], let target = items.first(where: { $0.id == id })?.tgtLng else { continue }
            results[id] = outcome.map { answer in
                let segments = transcript.segments.isEmpty ? nil : zip(transcript.segments, answer.texts).map {
                    TranscriptSegment(start: $0.start, end: $0.end, text: $1, speaker: $0.speaker)
                }
                transcript.translation = Translation(
                    text: answer.texts.joined(separator: " ").trimmingCharacters(in: .whitespaces),
                    language: target, model: answer.model, segments: segments)
                return transcript
            }
        }
        for (id, outcome) in byWhisper {
            guard case .success(var transcript)? = results[id] else { continue }
            results[id] = outcome.map { english in
                let turns = transcript.speakerTurns
                let segments = english.segments.map { segment in
                    var labelled = segment
                    labelled.speaker = turns?.speaker(from: segment.start, to: segment.end)
                    return labelled
                }
                transcript.translation = Translation(
                    text: english.text, language: "en", model: "\(english.model):translate", segments: segments)
                return transcript
            }
        }
    }

    /// The text model's answers.
    private func translateTexts(_ requests: [TextTranslationRequest]) async -> [String: Result<TextTranslationResult, ParleyError>] {
        guard !requests.isEmpty else { return [:] }
        return await answers(requests.map(\.id), missing: "the translator skipped the item") {
            try await engine.translate(model: configuration.translationModel, requests: requests)
        }
    }

    /// Whisper's translate task on the items' audio, in their detected language.
    private func translateSpeech(_ requests: [TranscriptionRequest], model: String) async -> [String: Result<ItemResult, ParleyError>] {
        guard !requests.isEmpty else { return [:] }
        return await answers(requests.map(\.id), missing: "the engine skipped the item") {
            try await engine.transcribe(model: model, requests: requests)
        }
    }

    /// One engine call's answer for each of `ids`: a call that fails fails every item.
    private func answers<Value>(
        _ ids: [String], missing: String, _ call: () async throws -> [String: Result<Value, ParleyError>]
    ) async -> [String: Result<Value, ParleyError>] {
        let outcome = await Result { try await call() }.mapError(Self.parleyError)
        return Dictionary(uniqueKeysWithValues: ids.map { id in
            (id, outcome.flatMap { $0[id] ?? .failure(.engineCrashed(missing)) })
        })
    }
}
