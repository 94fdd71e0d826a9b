import Metrics
import Prometheus

/// The process-wide Prometheus registry behind swift-metrics.
public enum PrometheusExport {
    /// Bootstraps swift-metrics with Prometheus, once per process, and returns the registry to render.
    /// Only the executable (and test processes) call this; libraries only emit.
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
            .seconds(30), .seconds(60), .seconds(120),
        ]
        MetricsSystem.bootstrap(factory)
        return registry
    }()
}
