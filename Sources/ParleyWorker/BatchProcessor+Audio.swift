import Foundation
import ParleyCore
import Metrics
import ParleyEngine
import ParleyObservability

extension BatchProcessor {
    /// Transcribes audio items; `asr+nmt` items then translate their transcript. Inputs are
    /// loaded first, several at once, before the batch asks for an engine slot (`engineSlots`),
    /// and results are stored after it gives the slot back.
    func processAudio(_ batch: [JobItem], model: String) async {
        var requests: [TranscriptionRequest] = []
        var pending: [String: JobItem] = [:]
        let loaded = await loadInputs(batch, model: model)
        for item in batch {
            switch loaded[item.id] ?? .failure(.storageError("the input was not loaded")) {
            case .success(let audio):
                requests.append(TranscriptionRequest(
                    id: item.id, audio: audio, options: TranscriptionOptions(language: item.srcLng, item: item.options),
                    translateTo: usesWhisperTranslate(item) ? "en" : nil))
                pending[item.id] = item
            case .failure(let error):
                await end(item, with: .failure(error))
            }
        }
        guard !requests.isEmpty else { return }
        let results = await engineSlots.withPermit { await infer(requests, items: Array(pending.values), model: model) }
        for (id, item) in pending {
            await end(item, with: results[id] ?? .failure(.engineCrashed("the engine skipped the item")))
        }
    }

    /// Transcribes, then translates what `asr+nmt` items need: the work that holds an engine slot.
    private func infer(_ requests: [TranscriptionRequest], items: [JobItem], model: String) async -> [String: Result<ItemResult, ParleyError>] {
        var results: [String: Result<ItemResult, ParleyError>]
        let inferStarted = ContinuousClock.now
        do {
            results = try await engine.transcribe(model: model, requests: requests)
        } catch {
            let failure = Self.parleyError(error)
            logger.error("engine batch failed", metadata: ["model": "\(model)", "items": "\(items.count)", "error": "\(failure)"])
            return Dictionary(uniqueKeysWithValues: items.map { ($0.id, .failure(failure)) })
        }
        recordAudio(results.values.compactMap { try? $0.get() }, model: model, elapsed: ContinuousClock.now - inferStarted)
        let needText = items.filter { item in
            item.jobType == .asrNmt && !usesWhisperTranslate(item) && (try? results[item.id]?.get()) != nil
        }
        if !needText.isEmpty {
            let whisperFallback = await translateTranscripts(needText, into: &results)
            if !whisperFallback.isEmpty {
                await translateWithWhisper(whisperFallback, requests: requests, model: model, into: &results)
            }
        }
        return results
    }

    /// Every item's input, at most `inputFanOut` loads at a time; each load is bounded by its
    /// own deadline (the fetcher's), so a slow URL delays only its own item.
    private func loadInputs(_ batch: [JobItem], model: String) async -> [String: Result<Data, ParleyError>] {
        await withTaskGroup(of: (String, Result<Data, ParleyError>).self) { group in
            var waiting = batch.makeIterator()
            func start(_ item: JobItem) {
                group.addTask {
                    let started = ContinuousClock.now
                    let outcome = await Result { try await loader.audio(for: item) }.mapError(Self.parleyError)
                    Metrics.Timer(label: MetricName.itemDuration, dimensions: [("stage", "fetch"), ("model", model)])
                        .recordInterval(since: started)
                    return (item.id, outcome)
                }
            }
            for _ in 0..<Self.inputFanOut { if let item = waiting.next() { start(item) } }
            var loaded: [String: Result<Data, ParleyError>] = [:]
            while let (id, outcome) = await group.next() {
                loaded[id] = outcome
                if let item = waiting.next() { start(item) }
            }
            return loaded
        }
    }

    /// Inputs of one batch loaded at once.
    static let inputFanOut = 8

    /// Counts the audio transcribed and the batch's real-time factor.
    private func recordAudio(_ transcripts: [ItemResult], model: String, elapsed: Duration) {
        var total = 0.0
        for transcript in transcripts {
            total += transcript.duration
            FloatingPointCounter(label: MetricName.audioSeconds, dimensions: [("model", model), ("language", transcript.language ?? "none")])
                .increment(by: transcript.duration)
        }
        let seconds = elapsed.inSeconds
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
