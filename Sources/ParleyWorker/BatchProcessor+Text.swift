import Foundation
import ParleyCore
import ParleyEngine

extension BatchProcessor {
    /// Translates `nmt` items; each item's source language is its own, given or detected.
    func processText(_ batch: [JobItem], model: String) async {
        var requests: [TextTranslationRequest] = []
        var sources: [String: String] = [:]
        var malformed: [Ended] = []
        for item in batch {
            guard case .text(let text) = item.input, let target = item.tgtLng else {
                malformed.append((item, .failure(.invalidValue("input", "a text item needs text and a target language"))))
                continue
            }
            sources[item.id] = text
            requests.append(TextTranslationRequest(id: item.id, texts: [text], source: item.srcLng, target: target))
        }
        await end(malformed)
        guard !requests.isEmpty else { return }
        let pending = batch.filter { sources[$0.id] != nil }
        let translated: [String: Result<TextTranslationResult, ParleyError>]
        do {
            translated = try await engineSlots.withPermit { try await engine.translate(model: model, requests: requests) }
        } catch {
            return await failAll(pending, Self.parleyError(error), model: model)
        }
        await end(pending.map { item in
            let result = (translated[item.id] ?? .failure(.engineCrashed("the translator skipped the item"))).map { value in
                ItemResult(
                    text: sources[item.id] ?? "", language: value.source, languageProbability: value.sourceProbability,
                    duration: 0, model: value.model, segments: [],
                    translation: Translation(text: value.texts.joined(separator: " "), language: item.tgtLng ?? "", model: value.model))
            }
            return (item, result)
        })
    }

    /// Ends every item of a batch whose engine call failed as a whole (retryable or not).
    func failAll(_ items: [JobItem], _ error: ParleyError, model: String) async {
        logger.error("engine batch failed", metadata: ["model": "\(model)", "items": "\(items.count)", "error": "\(error)"])
        await end(items.map { ($0, .failure(error)) })
    }
}
