import ArgumentParser
import Foundation
import ParleyCore
import ParleyEngine
import ParleyServer

/// Options every subcommand that opens the store shares.
struct CommonOptions: ParsableArguments {
    @Option(help: "Directory for the SQLite database and blobs (PARLEY_DATA_DIR, default ./data).")
    var dataDir: String?

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
        if let model = Environment.string("PARLEY_MODEL_DIR") { engine.models[0].path = model }
        if let config = Environment.string("PARLEY_ASR_CONFIG") { engine.models[0].config = config }
        if let registry = Environment.string("PARLEY_TRANSLATION_REGISTRY") { engine.models[1].path = registry }
        var configuration = ParleyConfiguration(engine: engine)
        configuration.dataDirectory = dataDir ?? Environment.string("PARLEY_DATA_DIR") ?? "./data"
        return configuration
    }
}
