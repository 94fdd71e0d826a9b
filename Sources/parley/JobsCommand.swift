import ArgumentParser
import Foundation
import ParleyClient
import ParleyCore

/// `parley jobs get|cancel|results`: a job on a running Parley.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs", abstract: "Show, cancel or download a job.", subcommands: [Get.self, Cancel.self, Results.self])

    static func printJSON(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a job with its items.")
        @OptionGroup var connection: ClientOptions
        @Argument(help: "The job id.") var id: String

        func run() async throws {
            try JobsCommand.printJSON(try await connection.client().job(id))
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Cancel a job's queued items.")
        @OptionGroup var connection: ClientOptions
        @Argument(help: "The job id.") var id: String

        func run() async throws {
            try JobsCommand.printJSON(try await connection.client().cancel(id))
        }
    }

    struct Results: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Wait for a job and download its results.")
        @OptionGroup var connection: ClientOptions
        @Option(help: "Result format: json, verbose_json, text, srt, vtt, tsv.") var format: SubtitleFormatter.Format = .srt
        @Option(name: .shortAndLong, help: "Where results are written.") var output = "parley-results"
        @Argument(help: "The job id.") var id: String

        func run() async throws {
            let client = try connection.client()
            let job = try await followJob(client, id: id)
            try await writeResults(client, job: job, format: format, directory: output)
        }
    }
}
