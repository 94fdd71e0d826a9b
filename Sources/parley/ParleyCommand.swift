import ArgumentParser

/// `parley`: the batch speech-recognition and translation service.
@main
struct ParleyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley",
        abstract: "Batch speech recognition and translation service.",
        subcommands: [ServeCommand.self, WorkerCommand.self, MigrateCommand.self, KeysCommand.self, SubmitCommand.self, JobsCommand.self],
        defaultSubcommand: ServeCommand.self)
}
