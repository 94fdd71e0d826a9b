import ArgumentParser
import Foundation
import ParleyBlobs
import ParleyCore
import ParleyEngine
import ParleyServer
import ParleyStore

/// Options every subcommand that opens the store shares: where metadata and blobs live.
struct CommonOptions: ParsableArguments {
    @Option(help: "Directory for the SQLite database and blobs (PARLEY_DATA_DIR, default ./data).")
    var dataDir: String?
    @Option(help: "Postgres URL, postgres://user:password@host:5432/db?sslmode=disable (PARLEY_DATABASE_URL; default: embedded SQLite).")
    var databaseURL: String?
    @Option(help: "Where blobs live: file:///path or s3://bucket?endpoint=http://host:9000&region=us-east-1 (PARLEY_BLOB_URL; default <data dir>/blobs).")
    var blobURL: String?
    @Option(help: "S3 access key (PARLEY_S3_ACCESS_KEY or AWS_ACCESS_KEY_ID).") var s3AccessKey: String?
    @Option(help: "S3 secret key (PARLEY_S3_SECRET_KEY or AWS_SECRET_ACCESS_KEY; prefer the variable).") var s3SecretKey: String?

    func configuration() throws -> ParleyConfiguration {
        let root = Environment.string("PARLEY_ROOT").map { URL(fileURLWithPath: $0) }
            ?? EngineLocator.repositoryRoot(from: [
                URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
                URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
            ])
            ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        var engine = EngineLocator.sidecar(root: root)
        if let python = Environment.string("PARLEY_ENGINE_PYTHON") { engine.python = python }
        if let directory = Environment.string("PARLEY_ENGINE_DIR") { engine.engineDirectory = directory }
        if let model = Environment.string("PARLEY_MODEL_DIR") { engine.updateModel(ModelGroup.asr) { $0.path = model } }
        if let config = Environment.string("PARLEY_ASR_CONFIG") { engine.updateModel(ModelGroup.asr) { $0.config = config } }
        if let registry = Environment.string("PARLEY_TRANSLATION_REGISTRY") {
            engine.updateModel(ModelGroup.translation) { $0.path = registry }
        }
        var configuration = ParleyConfiguration(engine: engine)
        configuration.dataDirectory = dataDir ?? Environment.string("PARLEY_DATA_DIR") ?? "./data"
        if let secret = Environment.string("PARLEY_URL_SIGNING_SECRET") {
            guard secret.utf8.count >= 32 else { throw ValidationError("PARLEY_URL_SIGNING_SECRET must be at least 32 characters") }
            configuration.urlSigningSecret = Data(secret.utf8)
        }
        configuration.webhookSecret = try Self.secret("PARLEY_WEBHOOK_SECRET")
        configuration.previousWebhookSecret = try Self.secret("PARLEY_WEBHOOK_SECRET_PREVIOUS")
        if let url = databaseURL ?? Environment.string("PARLEY_DATABASE_URL") {
            do {
                var settings = try PostgresSettings(url: url)
                if let seconds = Environment.int("PARLEY_STORE_TIMEOUT") { settings.operationTimeout = .seconds(max(1, seconds)) }
                configuration.database = settings
            } catch let error as ParleyError {
                throw ValidationError("PARLEY_DATABASE_URL: \(error.message)")
            }
        }
        if let url = blobURL ?? Environment.string("PARLEY_BLOB_URL") {
            if url.hasPrefix("s3://") {
                guard let access = s3AccessKey ?? Environment.string("PARLEY_S3_ACCESS_KEY") ?? Environment.string("AWS_ACCESS_KEY_ID"),
                      let secret = s3SecretKey ?? Environment.string("PARLEY_S3_SECRET_KEY") ?? Environment.string("AWS_SECRET_ACCESS_KEY") else {
                    throw ValidationError("an s3:// blob URL needs PARLEY_S3_ACCESS_KEY and PARLEY_S3_SECRET_KEY")
                }
                do {
                    configuration.s3 = try S3Settings(url: url, credentials: S3Credentials(accessKey: access, secretKey: secret))
                } catch let error as ParleyError {
                    throw ValidationError("PARLEY_BLOB_URL: \(error.message)")
                }
            } else {
                guard let parsed = URL(string: url), parsed.scheme == "file", !parsed.path.isEmpty else {
                    throw ValidationError("PARLEY_BLOB_URL must be file:///path or s3://bucket?endpoint=…")
                }
                configuration.blobRoot = URL(fileURLWithPath: parsed.path)
            }
        }
        configuration.environment = Environment.string("PARLEY_ENVIRONMENT") ?? configuration.environment
        configuration.exitWithParent = Environment.int("PARLEY_EXIT_WITH_PARENT").map { Int32($0) }
        if let seconds = Environment.int("PARLEY_JANITOR_INTERVAL_SECONDS") { configuration.janitorInterval = .seconds(max(1, seconds)) }
        if let dsn = Environment.string("PARLEY_SENTRY_DSN") {
            guard let parsed = SentryDSN(dsn) else { throw ValidationError("PARLEY_SENTRY_DSN is not a DSN (https://key@host/project)") }
            configuration.sentryDSN = parsed
        }
        return configuration
    }

    /// A secret from the environment variable `name`, at least 32 characters.
    static func secret(_ name: String) throws -> Data? {
        guard let secret = Environment.string(name) else { return nil }
        guard secret.utf8.count >= 32 else { throw ValidationError("\(name) must be at least 32 characters") }
        return Data(secret.utf8)
    }

    /// Opens the configured store for a one-shot command, migrating as asked, and closes it afterwards.
    func withStore<T: Sendable>(
        migrate: Bool, _ body: @Sendable (any ParleyDataStore, ParleyConfiguration) async throws -> T
    ) async throws -> T {
        let configuration = try configuration()
        let backend = try await StoreBackend.open(configuration, migrate: migrate, logger: Environment.bootstrapLogging())
        return try await backend.withRunning { try await body($0, configuration) }
    }
}
