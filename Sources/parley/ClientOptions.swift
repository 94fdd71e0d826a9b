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

/// Writes every succeeded item's result of a finished job into `directory`, names each failed
/// item on stderr, and exits 1 when any failed.
func writeResults(_ client: ParleyAPIClient, job: [String: Any], format: SubtitleFormatter.Format, directory: String) async throws {
    try FileManager.default.createDirectory(at: URL(fileURLWithPath: directory), withIntermediateDirectories: true)
    let jobId = job["id"] as? String ?? ""
    var written = 0
    var failed = 0
    for item in job["items"] as? [[String: Any]] ?? [] {
        let id = item["id"] as? String ?? "?"
        guard item["status"] as? String == "succeeded" else {
            let error = item["error"] as? [String: Any]
            let detail = "\(item["status"] as? String ?? "?"): \(error?["code"] as? String ?? "") \(error?["message"] as? String ?? "")"
            FileHandle.standardError.write(Data("failed: \(id): \(detail)\n".utf8))
            failed += 1
            continue
        }
        let data = try await client.result(job: jobId, item: id, format: format.rawValue)
        try data.write(to: URL(fileURLWithPath: directory).appendingPathComponent("\(id).\(format.fileExtension)"))
        written += 1
    }
    print("\(written) results written to \(directory)/ as \(format.rawValue)")
    if failed > 0 { throw ExitCode(1) }
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
            elapsed: elapsed.inSeconds)
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
