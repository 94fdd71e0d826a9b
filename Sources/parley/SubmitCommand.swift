import ArgumentParser
import Foundation
import ParleyClient
import ParleyCore

/// `parley submit`: uploads files to a running Parley, creates one job, follows it, and
/// downloads the results; exits non-zero when any item failed.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Upload files as one job, follow it, and download the results.")

    @OptionGroup var connection: ClientOptions
    @Option(name: .customLong("type"), help: "asr, nmt (text files) or asr+nmt.") var jobType = "asr"
    @Option(help: "Target language (nmt and asr+nmt).") var to: String?
    @Option(help: "Source language; detected when absent.") var from: String?
    @Option(help: "Result format: json, verbose_json, text, srt, vtt, tsv (rttm, diarized_json with --diarize).") var format: SubtitleFormatter.Format = .srt
    @Option(name: .shortAndLong, help: "Where results are written.") var output = "parley-results"
    @Option(help: "Priority, 0 to 9.") var priority = 0
    @Flag(help: "Ask for word timestamps (shown in verbose_json).") var wordTimestamps = false
    @Flag(help: "Say who spoke when (speaker diarization).") var diarize = false
    @Option(help: "The number of speakers, when known (with --diarize).") var speakers: Int?
    @Argument(help: "Files and directories (searched recursively for audio, or .txt for nmt).") var paths: [String]

    func run() async throws {
        let client = try connection.client()
        let text = jobType == "nmt"
        let plan = try SubmitPlan(paths: paths, text: text)
        var items: [[String: Any]] = []
        for entry in plan.entries {
            var item: [String: Any] = ["id": entry.id]
            if text {
                item["text"] = try String(contentsOf: entry.file, encoding: .utf8)
            } else {
                item["upload_id"] = try await client.upload(entry.file)
            }
            items.append(item)
        }
        var body: [String: Any] = ["job_type": jobType, "items": items, "priority": priority]
        if let to { body["default_tgt_lng"] = to }
        if let from { body["default_src_lng"] = from }
        if wordTimestamps { body["word_timestamps"] = true }
        if diarize { body["diarize"] = true }
        if let speakers { body["num_speakers"] = speakers }
        let jobId = try await client.createJob(body)
        print("job \(jobId): \(items.count) items")
        let job = try await followJob(client, id: jobId)
        try await writeResults(client, job: job, format: format, directory: output)
    }
}
