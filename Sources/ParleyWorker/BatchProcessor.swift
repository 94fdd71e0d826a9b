import Foundation
import Logging
import Metrics
import ParleyBlobs
import ParleyCore
import ParleyEngine
import ParleyStore
import ParleyObservability

/// Runs one claimed batch: route, load inputs, infer, store results, and end or
/// requeue each item under the lease the worker holds.
struct BatchProcessor: Sendable {
    let queue: any QueueStore
    let blobs: any BlobStore
    let engine: any InferenceEngine
    let loader: InputLoader
    let configuration: WorkerConfiguration
    /// Batches on the engine at once (`configuration.concurrency`); inputs load outside them.
    let engineSlots: AsyncSemaphore
    let reporter: (any ErrorReporter)?
    let logger: Logger

    func process(_ batch: [JobItem], model: String) async {
        switch engine.kind(of: model) {
        case .translation: await processText(batch, model: model)
        case .whisper, nil: await processAudio(batch, model: model)
        }
    }

    /// Stores a success, or decides between a retry with backoff and a final failure.
    func end(_ item: JobItem, with result: Result<ItemResult, ParleyError>) async {
        let started = ContinuousClock.now
        let now = Millis.now()
        var outcome: ItemOutcome
        var written: String?
        switch result {
        case .success(let value):
            let key = BlobKey.result(job: item.jobId, item: item.id, attempt: item.attempts, worker: configuration.id)
            written = key
            do {
                try await blobs.put(key, data: try JSONEncoder().encode(value))
                var characters: Int?
                if case .text(let text) = item.input { characters = QuotaNeed.characters(of: text) }
                outcome = .succeeded(resultRef: key, metadata: ResultMetadata(
                    modelUsed: value.model, detectedLanguage: value.language,
                    languageProbability: value.languageProbability, audioSeconds: item.kind == .audio ? value.duration : nil,
                    characters: characters))
            } catch {
                outcome = retryOrFail(item, .storageError("writing the result failed"), now: now)
            }
        case .failure(let error):
            outcome = retryOrFail(item, error, now: now)
        }
        let metadata: Logger.Metadata = ["job_id": "\(item.jobId)", "item_id": "\(item.id)"]
        do {
            guard try await queue.finish(itemId: item.id, owner: configuration.id, outcome: outcome, now: now) else {
                // Another attempt owns the item now; this attempt's result was never visible.
                if let written { try? await blobs.delete(written) }
                return logger.warning("lease lost before finishing", metadata: metadata)
            }
            Metrics.Timer(label: MetricName.itemDuration, dimensions: [("stage", "store"), ("model", item.model)])
                .recordInterval(since: started)
            record(item, outcome, metadata: metadata)
        } catch {
            // The lease expires and the rescuer requeues the item.
            logger.error("finishing item failed", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            reporter?.report(ErrorEvent(kind: "finish_failed", message: "\(error)", tags: ["job_id": item.jobId, "item_id": item.id]))
        }
    }

    /// Counts and logs how an item ended.
    private func record(_ item: JobItem, _ outcome: ItemOutcome, metadata: Logger.Metadata) {
        let status: String
        var metadata = metadata
        switch outcome {
        case .succeeded:
            status = "succeeded"
        case .failed(let error):
            status = "failed"
            metadata["error_code"] = "\(error.code)"
        case .retry(let error, _):
            status = "retried"
            metadata["error_code"] = "\(error.code)"
        }
        Counter(label: MetricName.itemsFinished, dimensions: [
            ("kind", item.kind.rawValue), ("status", status), ("model", item.model),
        ]).increment()
        logger.info("item \(status)", metadata: metadata)
    }

    func retryOrFail(_ item: JobItem, _ error: ParleyError, now: Millis) -> ItemOutcome {
        guard error.retryable, item.attempts < item.maxAttempts else { return .failed(error) }
        return .retry(error, runAfter: now + configuration.retry.delay(afterAttempt: item.attempts))
    }

    static func parleyError(_ error: any Error) -> ParleyError {
        (error as? ParleyError) ?? .engineCrashed("unexpected error: \(type(of: error))")
    }
}
