import Logging
import Metrics
import ParleyCore
import ParleyStore
import ServiceLifecycle
import ParleyObservability

/// Samples queue depth from the store into the `parley_queue_items` gauge.
struct QueueMetricsSampler: Service {
    let store: any MetadataStore
    let models: [String]
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown { await sample() }
    }

    private func sample() async {
        while !Task.isCancelled {
            do {
                let depths = try await store.queueDepth()
                for model in models {
                    for status in [ItemStatus.queued, .running] {
                        let count = depths.first { $0.model == model && $0.status == status }?.count ?? 0
                        Gauge(label: MetricName.queueItems, dimensions: [("status", status.rawValue), ("model", model)])
                            .record(count)
                    }
                }
            } catch {
                logger.warning("queue sampling failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
