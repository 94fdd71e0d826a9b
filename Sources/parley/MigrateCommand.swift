import ArgumentParser
import ParleyStore

/// `parley migrate`: applies pending schema migrations and exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        let logger = Environment.bootstrapLogging()
        let store = try await SQLiteStore.open(path: try common.configuration().databasePath, logger: logger)
        try await store.close()
        print("migrations applied")
    }
}
