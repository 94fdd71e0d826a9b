import ArgumentParser
import Foundation
import Logging
import ParleyAuth
import ParleyCore
import ParleyLimits
import ParleyServer

/// `parley serve`: the HTTP API with an in-process worker, on the embedded store by default.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the HTTP API and a worker.")

    @OptionGroup var common: CommonOptions
    @OptionGroup var workerOptions: WorkerOptions
    @Option(help: "Address to listen on (PARLEY_HOST, default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (PARLEY_PORT, default 8080).") var port: Int?
    @Flag(help: "Serve the API only, without a worker (PARLEY_NO_WORKER).") var noWorker = false
    @Flag(help: "Apply pending Postgres migrations before serving (PARLEY_MIGRATE).") var migrate = false
    @Option(help: "Redis for rate limits shared by API processes, redis://[:password@]host:6379[/db] (PARLEY_REDIS_URL; default: in memory).")
    var redisURL: String?
    @Option(help: "While Redis is unreachable: open (admit) or closed (503) (PARLEY_RATE_LIMIT_FAILURE_MODE, default open).")
    var rateLimitFailureMode: String?

    func run() async throws {
        let logger = Environment.bootstrapLogging()
        _ = PrometheusExport.registry
        var configuration = try common.configuration()
        try workerOptions.apply(to: &configuration)
        configuration.exportMetrics = true
        configuration.metricsToken = Environment.string("PARLEY_METRICS_TOKEN")
        configuration.host = host ?? Environment.string("PARLEY_HOST") ?? configuration.host
        configuration.port = port ?? Environment.int("PARLEY_PORT") ?? configuration.port
        configuration.runWorker = !(noWorker || Environment.bool("PARLEY_NO_WORKER") == true)
        configuration.migrate = migrate || Environment.bool("PARLEY_MIGRATE") == true
        configuration.adminKey = Environment.string("PARLEY_ADMIN_KEY")
        configuration.jwt = try Self.jwtSettings()
        if let perMinute = Environment.int("PARLEY_JWT_VERIFICATIONS_PER_MINUTE") {
            configuration.api.tokenVerifications = RateSettings(perMinute: max(1, perMinute), burst: max(1, perMinute / 5))
        }
        if let url = redisURL ?? Environment.string("PARLEY_REDIS_URL") {
            do {
                configuration.redis = try RedisSettings(url: url)
            } catch let error as ParleyError {
                throw ValidationError("PARLEY_REDIS_URL: \(error.message)")
            }
        }
        if let mode = rateLimitFailureMode ?? Environment.string("PARLEY_RATE_LIMIT_FAILURE_MODE") {
            guard let parsed = RateLimitFailureMode(rawValue: mode) else {
                throw ValidationError("rate-limit-failure-mode must be open or closed")
            }
            configuration.rateLimitFailureMode = parsed
        }
        if let value = Environment.int("PARLEY_MAX_BODY_BYTES") { configuration.api.maxBodyBytes = max(1_024, value) }
        if let value = Environment.int("PARLEY_MAX_ITEMS") { configuration.api.maxItems = max(1, value) }
        if let value = Environment.int("PARLEY_MAX_ITEM_BYTES") { configuration.api.maxItemBytes = max(1_024, value) }
        if let value = Environment.int("PARLEY_MAX_UPLOAD_BYTES") { configuration.api.maxUploadBytes = max(1_024, value) }
        if let value = Environment.int("PARLEY_MAX_ATTEMPTS") { configuration.api.maxAttempts = max(1, value) }
        if let count = Environment.int("PARLEY_SYNC_CONCURRENCY") { configuration.api.syncConcurrency = max(1, count) }
        if let bytes = Environment.int("PARLEY_INFLIGHT_BODY_BYTES") { configuration.api.inflightBodyBytes = max(1_048_576, bytes) }
        if let count = Environment.int("PARLEY_MAX_CONNECTIONS") { configuration.api.maxConnections = max(1, count) }
        if let seconds = Environment.int("PARLEY_IDLE_TIMEOUT_SECONDS") { configuration.api.idleTimeout = .seconds(max(1, seconds)) }
        if let bytes = Environment.int("PARLEY_MIN_FREE_BYTES") { configuration.api.minFreeBytes = max(0, bytes) }
        if let hours = Environment.int("PARLEY_RETENTION_HOURS") { configuration.api.retentionSeconds = hours > 0 ? hours * 3_600 : nil }
        if let hours = Environment.int("PARLEY_UPLOAD_TTL_HOURS") { configuration.api.uploadLifetime = Millis(max(1, hours)) * 3_600_000 }
        if let seed = configuration.adminKey, seed.count < 32 {
            throw ValidationError("PARLEY_ADMIN_KEY must be at least 32 characters")
        }
        let server = try await ParleyServer.open(configuration, logger: logger)
        let host = configuration.host
        try await server.run(
            onAdminKey: { key in
                print("Created the first admin API key; it is shown only this once:\n  \(key)")
                // stdout is block-buffered when it is a file or a pipe (systemd, docker logs, nohup).
                fflush(nil)
            },
            onListening: { port in logger.info("listening", metadata: ["address": "http://\(host):\(port)"]) })
    }

    /// `PARLEY_JWT_SECRET` (HS256) and/or `PARLEY_JWKS_FILE` (RS256/ES256), with optional
    /// `PARLEY_JWT_ISSUER`, `PARLEY_JWT_AUDIENCE` and `PARLEY_JWT_LEEWAY_SECONDS` (default 60).
    static func jwtSettings() throws -> JWTSettings? {
        let secret = Environment.string("PARLEY_JWT_SECRET")
        let jwksFile = Environment.string("PARLEY_JWKS_FILE")
        guard secret != nil || jwksFile != nil else { return nil }
        var settings = JWTSettings(
            hmacSecret: secret, jwksJSON: try jwksFile.map { try String(contentsOfFile: $0, encoding: .utf8) },
            issuer: Environment.string("PARLEY_JWT_ISSUER"), audience: Environment.string("PARLEY_JWT_AUDIENCE"))
        if let leeway = Environment.int("PARLEY_JWT_LEEWAY_SECONDS") { settings.leeway = TimeInterval(max(0, leeway)) }
        return settings
    }
}
