import Foundation
import ParleyCore
import Metrics
import ParleyEngine

extension BatchProcessor {
    /// Transcribes audio items; `asr+nmt` items then translate their transcript.
    func processAudio(_ batch: [JobItem], model: String) async {
        var requests: [TranscriptionRequest] = []
        var pending: [String: JobItem] = [:]
        for item in batch {
            do {
                let fetchStarted = ContinuousClock.now
                let audio = try await loader.audio(for: item)
                Metrics.Timer(label: MetricName.itemDuration, dimensions: [("stage", "fetch"), ("model", model)])
                    .recordInterval(since: fetchStarted)
                requests.append(TranscriptionRequest(
                    id: item.id, audio: audio, options: TranscriptionOptions(language: item.srcLng, item: item.options),
                    translateTo: usesWhisperTranslate(item) ? "en" : nil))
                pending[item.id] = item
            } catch {
                await end(item, with: .failure(Self.parleyError(error)))
            }
        }
        guard !requests.isEmpty else { return }
        var results: [String: Result<ItemResult, ParleyError>]
        let inferStarted = ContinuousClock.now
        do {
            results = try await engine.transcribe(model: model, requests: requests)
        } catch {
            return await failAll(Array(pending.values), Self.parleyError(error), model: model)
        }
        recordAudio(results.values.compactMap { try? $0.get() }, model: model, elapsed: ContinuousClock.now - inferStarted)
        let needText = pending.values.filter { item in
            item.jobType == .asrNmt && !usesWhisperTranslate(item) && (try? results[item.id]?.get()) != nil
        }
        if !needText.isEmpty {
            let whisperFallback = await translateTranscripts(needText, into: &results)
            if !whisperFallback.isEmpty {
                await translateWithWhisper(whisperFallback, requests: requests, model: model, into: &results)
            }
        }
        for (id, item) in pending {
            await end(item, with: results[id] ?? .failure(.engineCrashed("the engine skipped the item")))
        }
    }

    /// Counts the audio transcribed and the batch's real-time factor.
    private func recordAudio(_ transcripts: [ItemResult], model: String, elapsed: Duration) {
        var total = 0.0
        for transcript in transcripts {
            total += transcript.duration
            FloatingPointCounter(label: MetricName.audioSeconds, dimensions: [("model", model), ("language", transcript.language ?? "none")])
                .increment(by: transcript.duration)
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        if total > 0 && seconds > 0 {
            Gauge(label: MetricName.engineRealtimeFactor, dimensions: [("model", model)]).record(total / seconds)
        }
    }

    /// Adds a text translation of each transcript, segment by segment so subtitles keep their timings.
    /// Returns the items to English that no text model serves, for Whisper's translate task.
    private func translateTranscripts(_ all: [JobItem], into results: inout [String: Result<ItemResult, ParleyError>]) async -> [JobItem] {
        var items: [JobItem] = []
        for item in all {
            guard case .success(var transcript)? = results[item.id], let target = item.tgtLng else { continue }
            guard transcript.text.isEmpty else {
                items.append(item)
                continue
            }
            // No speech (or none believable): there is nothing to translate.
            transcript.translation = Translation(text: "", language: target, model: configuration.translationModel, segments: [])
            results[item.id] = .success(transcript)
        }
        guard !items.isEmpty else { return [] }
        var requests: [TextTranslationRequest] = []
        for item in items {
            guard case .success(let transcript)? = results[item.id], let target = item.tgtLng else { continue }
            let texts = transcript.segments.isEmpty ? [transcript.text] : transcript.segments.map(\.text)
            requests.append(TextTranslationRequest(id: item.id, texts: texts, source: transcript.language, target: target))
        }
        let translated: [String: Result<TextTranslationResult, ParleyError>]
        do {
            translated = try await engine.translate(model: configuration.translationModel, requests: requests)
        } catch {
            for item in items { results[item.id] = .failure(Self.parleyError(error)) }
            return []
        }
        var toWhisper: [JobItem] = []
        for item in items {
            guard case .success(var transcript)? = results[item.id], let target = item.tgtLng else { continue }
            switch translated[item.id] ?? .failure(.engineCrashed("the translator skipped the item")) {
            case .success(let translation):
                let segments = transcript.segments.isEmpty ? nil : zip(transcript.segments, translation.texts).map {
                    TranscriptSegment(start: $0.start, end: $0.end, text: $1)
                }
                transcript.translation = Translation(
                    text: translation.texts.joined(separator: " ").trimmingCharacters(in: .whitespaces),
                    language: target, model: translation.model, segments: segments)
                results[item.id] = .success(transcript)
            case .failure(let error) where error.code == "unsupported_language_pair" && target == "en":
                toWhisper.append(item)
            case .failure(let error):
                results[item.id] = .failure(error)
            }
        }
        return toWhisper
    }

    /// Runs Whisper's speech-to-English task for items no text model could translate.
    private func translateWithWhisper(
        _ items: [JobItem], requests: [TranscriptionRequest], model: String,
        into results: inout [String: Result<ItemResult, ParleyError>]
    ) async {
        let ids = Set(items.map(\.id))
        let again = requests.filter { ids.contains($0.id) }.map { request in
            var request = request
            request.translateTo = "en"
            return request
        }
        do {
            let translated = try await engine.transcribe(model: model, requests: again)
            for id in ids { results[id] = translated[id] ?? .failure(.engineCrashed("the engine skipped the item")) }
        } catch {
            for id in ids { results[id] = .failure(Self.parleyError(error)) }
        }
    }
}
