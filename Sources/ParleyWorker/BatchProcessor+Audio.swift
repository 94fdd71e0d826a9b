import Foundation
import ParleyCore
import Metrics
import ParleyEngine
import ParleyObservability

extension BatchProcessor {
    /// Transcribes audio items; `asr+nmt` items then translate their transcript, by the route
    /// the speech-translation plan gives. Inputs are loaded first, several at once, before the
    /// batch asks for an engine slot (`engineSlots`), and results are stored after it gives
    /// the slot back. An item whose pair no model serves fails before its input is loaded.
    func processAudio(_ batch: [JobItem], model: String) async {
        let plan = speechPlan
        var runnable: [JobItem] = []
        var refused: [Ended] = []
        for item in batch {
            if item.jobType == .asrNmt, let source = item.srcLng, let target = item.tgtLng,
               plan.route(from: source, to: target) == .unsupported {
                refused.append((item, .failure(.unsupportedLanguagePair(source, target))))
            } else {
                runnable.append(item)
            }
        }
        var requests: [TranscriptionRequest] = []
        var pending: [String: JobItem] = [:]
        let loaded = await loadInputs(runnable, model: model)
        for item in runnable {
            switch loaded[item.id] ?? .failure(.storageError("the input was not loaded")) {
            case .success(let audio):
                if let refusal = await reserveFetched(item, audio: audio) {
                    refused.append((item, .failure(.quotaExceeded(refusal))))
                    continue
                }
                let inCall = item.jobType == .asrNmt && item.tgtLng.map { plan.translatesInTranscription(from: item.srcLng, to: $0) } == true
                requests.append(TranscriptionRequest(
                    id: item.id, audio: audio, options: TranscriptionOptions(language: item.srcLng, item: item.options),
                    translateTo: inCall ? "en" : nil))
                pending[item.id] = item
            case .failure(let error):
                refused.append((item, .failure(error)))
            }
        }
        // What cannot run ends now, before the engine call.
        await end(refused)
        guard !requests.isEmpty else { return }
        let results = await engineSlots.withPermit { await infer(requests, items: Array(pending.values), model: model, plan: plan) }
        await end(pending.map { id, item in (item, results[id] ?? .failure(.engineCrashed("the engine skipped the item"))) })
    }

    /// Transcribes (one call), then translates what `asr+nmt` items still need (a second
    /// call at most per item): the work that holds an engine slot.
    private func infer(
        _ requests: [TranscriptionRequest], items: [JobItem], model: String, plan: SpeechTranslationPlan
    ) async -> [String: Result<ItemResult, ParleyError>] {
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
        let translated = Set(requests.filter { $0.translateTo != nil }.map(\.id))
        let untranslated = items.filter { $0.jobType == .asrNmt && !translated.contains($0.id) }
        if !untranslated.isEmpty {
            await translateTranscripts(untranslated, requests: requests, model: model, plan: plan, into: &results)
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
}
