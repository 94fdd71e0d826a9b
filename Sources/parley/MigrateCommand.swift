import ArgumentParser

/// `parley migrate`: applies pending schema migrations (SQLite or Postgres) and exits.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate", abstract: "Apply pending database migrations.")

    @OptionGroup var common: CommonOptions

    func run() async throws {
        try await common.withStore(migrate: true) { _, _ in }
        print("migrations applied")
    }
}
