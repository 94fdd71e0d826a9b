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

    /// An item of the batch and how its work came out.
    typealias Ended = (item: JobItem, result: Result<ItemResult, ParleyError>)

    /// Stores each success's result (several at once), decides between a retry with backoff
    /// and a final failure for the rest, and ends them all in one store transaction.
    func end(_ ended: [Ended]) async {
        guard !ended.isEmpty else { return }
        let started = ContinuousClock.now
        let now = Millis.now()
        let decided = await withTaskGroup(of: (item: JobItem, outcome: ItemOutcome, written: String?).self) { group in
            for entry in ended { group.addTask { await outcome(of: entry, now: now) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        do {
            let finished = try await queue.finish(
                decided.map { ItemFinish(itemId: $0.item.id, outcome: $0.outcome) }, owner: configuration.id, now: now)
            let stored = Metrics.Timer(label: MetricName.itemDuration, dimensions: [("stage", "store"), ("model", ended[0].item.model)])
            for entry in decided {
                let metadata: Logger.Metadata = ["job_id": "\(entry.item.jobId)", "item_id": "\(entry.item.id)"]
                guard finished.contains(entry.item.id) else {
                    // Another attempt owns the item now; this attempt's result was never visible.
                    if let written = entry.written { try? await blobs.delete(written) }
                    logger.warning("lease lost before finishing", metadata: metadata)
                    continue
                }
                stored.recordInterval(since: started)
                record(entry.item, entry.outcome, metadata: metadata)
            }
        } catch {
            // The leases expire and the rescuer requeues the items.
            logger.error("finishing items failed", metadata: ["items": "\(decided.count)", "error": "\(error)"])
            reporter?.report(ErrorEvent(kind: "finish_failed", message: "\(error)", tags: ["job_id": ended[0].item.jobId]))
        }
    }

    /// The outcome to report for one item, with the result blob it wrote, if any.
    private func outcome(of entry: Ended, now: Millis) async -> (item: JobItem, outcome: ItemOutcome, written: String?) {
        let item = entry.item
        switch entry.result {
        case .success(let value):
            let key = BlobKey.result(job: item.jobId, item: item.id, attempt: item.attempts, worker: configuration.id)
            do {
                try await blobs.put(key, data: try JSONEncoder().encode(value))
            } catch {
                return (item, retryOrFail(item, .storageError("writing the result failed"), now: now), nil)
            }
            var characters: Int?
            if case .text(let text) = item.input { characters = QuotaNeed.characters(of: text) }
            return (item, .succeeded(resultRef: key, metadata: ResultMetadata(
                modelUsed: value.model, detectedLanguage: value.language,
                languageProbability: value.languageProbability, audioSeconds: item.kind == .audio ? value.duration : nil,
                characters: characters, speakers: value.speakerCount)), key)
        case .failure(let error):
            return (item, retryOrFail(item, error, now: now), nil)
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
