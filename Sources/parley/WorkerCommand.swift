import ArgumentParser
import ParleyServer

/// `parley worker`: a worker and its engines on the shared store and blob store, without the API.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run a worker (no HTTP API) on the shared store.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var workerOptions: WorkerOptions
    @Flag(help: "Apply pending Postgres migrations before starting (PARLEY_MIGRATE).") var migrate = false
    @Option(help: "Serve /metrics, /v1/health and /v1/ready on this port (PARLEY_METRICS_PORT; default: none).")
    var metricsPort: Int?
    @Option(help: "Address the metrics port listens on (PARLEY_HOST, default 127.0.0.1).") var host: String?

    func run() async throws {
        let logger = Environment.bootstrapLogging()
        _ = PrometheusExport.registry
        var configuration = try common.configuration()
        try workerOptions.apply(to: &configuration)
        configuration.runAPI = false
        configuration.workerMetricsPort = metricsPort ?? Environment.int("PARLEY_METRICS_PORT")
        configuration.host = host ?? Environment.string("PARLEY_HOST") ?? configuration.host
        configuration.metricsToken = Environment.string("PARLEY_METRICS_TOKEN")
        configuration.migrate = migrate || Environment.bool("PARLEY_MIGRATE") == true
        let server = try await ParleyServer.open(configuration, logger: logger)
        logger.info("worker running", metadata: ["id": "\(configuration.worker.id)"])
        try await server.run(onListening: { port in logger.info("metrics listening", metadata: ["port": "\(port)"]) })
    }
}
