import Foundation
import Logging
import ParleyServer

/// The executable's only window on `PARLEY_*` variables.
enum Environment {
    static func string(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func int(_ name: String) -> Int? { string(name).flatMap(Int.init) }

    static func bool(_ name: String) -> Bool? {
        string(name).map { ["1", "true", "yes", "on"].contains($0.lowercased()) }
    }

    /// Sends log lines to stderr at `PARLEY_LOG_LEVEL` (default info): JSON lines when stderr
    /// is not a terminal, readable text on a terminal; `PARLEY_LOG_FORMAT=json|text` overrides.
    static func bootstrapLogging() -> Logger {
        let level = string("PARLEY_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? .info
        let json = jsonLogs
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "parley")
    }

    /// Whether logs are JSON lines: `PARLEY_LOG_FORMAT`, else whenever stderr is not a terminal.
    static var jsonLogs: Bool {
        string("PARLEY_LOG_FORMAT").map { $0 == "json" } ?? (isatty(STDERR_FILENO) == 0)
    }
}
