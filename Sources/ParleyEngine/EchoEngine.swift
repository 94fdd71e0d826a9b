import Foundation
import ParleyCore

/// A stand-in engine for queue tests and benchmarks (`PARLEY_ENGINE=echo`): no model, no
/// sidecar, a deterministic answer per item after `delay` per item. Never the default.
public struct EchoEngine: InferenceEngine {
    let specs: [ModelSpec]
    let delay: Duration

    public init(models: [ModelSpec], delay: Duration) {
        self.specs = models
        self.delay = delay
    }

    public var models: [String] { specs.map(\.name) }

    public func kind(of model: String) -> ModelKind? {
        specs.first { $0.name == model }?.kind
    }

    public func transcribe(model: String, requests: [TranscriptionRequest]) async throws -> [String: Result<ItemResult, ParleyError>] {
        try await Task.sleep(for: delay * requests.count)
        return Dictionary(uniqueKeysWithValues: requests.map { request in
            let seconds = Double(request.audio.count) / 32_000
            let text = "echo \(request.audio.count) bytes"
            let result = ItemResult(
                text: text, language: request.options.language ?? "en", languageProbability: 1, duration: seconds,
                model: "echo", segments: [TranscriptSegment(start: 0, end: seconds, text: text)],
                translation: request.translateTo.map { Translation(text: "[\($0)] \(text)", language: $0, model: "echo") })
            return (request.id, .success(result))
        })
    }

    public func translate(model: String, requests: [TextTranslationRequest]) async throws -> [String: Result<TextTranslationResult, ParleyError>] {
        try await Task.sleep(for: delay * requests.count)
        return Dictionary(uniqueKeysWithValues: requests.map { request in
            let result = TextTranslationResult(
                texts: request.texts.map { "[\(request.target)] \($0)" }, source: request.source ?? "en",
                sourceProbability: 1, detected: request.source == nil, route: "direct", model: "echo")
            return (request.id, .success(result))
        })
    }

    public func capabilities() -> EngineCapabilities {
        EngineCapabilities(
            asrLanguages: Dictionary(uniqueKeysWithValues: specs.filter { $0.kind == .whisper }.map { ($0.name, ["en"]) }),
            translatesAnyPair: specs.contains { $0.kind == .translation })
    }

    public func health() -> EngineHealth {
        EngineHealth(ready: true, unhealthy: false, detail: "echo engine")
    }
}
