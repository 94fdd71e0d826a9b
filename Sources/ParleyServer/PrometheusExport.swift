import Metrics
import ParleyCore
import Prometheus
import ParleyObservability

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

    /// The text exposition, with a `# HELP` line before each metric's `# TYPE` line.
    public static func render() -> [UInt8] {
        let text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
        var lines: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE "), let name = line.split(separator: " ").dropFirst(2).first,
               let help = MetricName.help[String(name)] {
                lines.append("# HELP \(name) \(help)")
            }
            lines.append(line)
        }
        return Array(lines.joined(separator: "\n").utf8)
    }
}
