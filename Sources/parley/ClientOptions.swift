import ArgumentParser
import Foundation
import ParleyClient
import ParleyCore

/// Where a client subcommand sends its requests.
struct ClientOptions: ParsableArguments {
    @Option(help: "Parley's base URL (PARLEY_SERVER, default http://127.0.0.1:8080).") var server: String?
    @Option(help: "API key (PARLEY_API_KEY).") var key: String?

    func client() throws -> ParleyAPIClient {
        guard let key = key ?? Environment.string("PARLEY_API_KEY") else {
            throw ValidationError("an API key is required: --key or PARLEY_API_KEY")
        }
        return ParleyAPIClient(server: server ?? Environment.string("PARLEY_SERVER") ?? "http://127.0.0.1:8080", key: key)
    }
}

/// Result formats the client downloads are the API's, with their file extensions.
extension SubtitleFormatter.Format: ExpressibleByArgument {}

/// Writes every succeeded item's result of a finished job into `directory`; returns the failed items.
func downloadResults(
    _ client: ParleyAPIClient, job: [String: Any], format: SubtitleFormatter.Format, directory: URL
) async throws -> [(id: String, error: String)] {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let jobId = job["id"] as? String ?? ""
    var failures: [(id: String, error: String)] = []
    for item in job["items"] as? [[String: Any]] ?? [] {
        let id = item["id"] as? String ?? "?"
        guard item["status"] as? String == "succeeded" else {
            let error = item["error"] as? [String: Any]
            failures.append((id, "\(item["status"] as? String ?? "?"): \(error?["code"] as? String ?? "") \(error?["message"] as? String ?? "")"))
            continue
        }
        let data = try await client.result(job: jobId, item: id, format: format.rawValue)
        try data.write(to: directory.appendingPathComponent("\(id).\(format.fileExtension)"))
    }
    return failures
}

/// Polls a job until it ends, reporting progress as a redrawn bar on a TTY and as plain lines otherwise.
func followJob(_ client: ParleyAPIClient, id: String, interval: Duration = .seconds(1)) async throws -> [String: Any] {
    let started = ContinuousClock.now
    let tty = isatty(STDERR_FILENO) == 1
    var last = ""
    while true {
        let job = try await client.job(id)
        let progress = job["progress"] as? [String: Any] ?? [:]
        let failed = (progress["failed"] as? Int ?? 0) + (progress["cancelled"] as? Int ?? 0)
        let done = (progress["succeeded"] as? Int ?? 0) + failed
        let elapsed = ContinuousClock.now - started
        let line = ProgressLine(
            done: done, failed: failed, total: progress["total"] as? Int ?? 0,
            elapsed: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        let status = job["status"] as? String ?? "?"
        let terminal = ["succeeded", "completed_with_errors", "failed", "cancelled"].contains(status)
        if tty {
            FileHandle.standardError.write(Data(("\r" + line.render() + (terminal ? "\n" : "")).utf8))
        } else if "\(done)/\(line.total) \(status)" != last {
            last = "\(done)/\(line.total) \(status)"
            FileHandle.standardError.write(Data("\(id) \(status): \(done)/\(line.total) items done, \(failed) failed\n".utf8))
        }
        if terminal { return job }
        try await Task.sleep(for: interval)
    }
}
