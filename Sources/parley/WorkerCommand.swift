import ArgumentParser
import ParleyServer

/// `parley worker`: a worker and its engines on the shared store and blob store, without the API.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Run a worker (no HTTP API) on the shared store.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var workerOptions: WorkerOptions
    @Flag(help: "Apply pending Postgres migrations before starting (PARLEY_MIGRATE).") var migrate = false

    func run() async throws {
        let logger = Environment.bootstrapLogging()
        _ = PrometheusExport.registry
        var configuration = try common.configuration()
        try workerOptions.apply(to: &configuration)
        configuration.runAPI = false
        configuration.migrate = migrate || Environment.bool("PARLEY_MIGRATE") == true
        let server = try await ParleyServer.open(configuration, logger: logger)
        logger.info("worker running", metadata: ["id": "\(configuration.worker.id)"])
        try await server.run()
    }
}
