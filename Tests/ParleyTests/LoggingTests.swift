import Foundation
import Testing
import ParleyEngine

/// The real `parley serve` binary, its stderr a file: JSON lines with ids, and no secrets.
@Suite(.timeLimit(.minutes(5))) struct LoggingTests {
    static let binary = LiveServer.repositoryRoot.appendingPathComponent(".build/debug/parley")

    @Test func aWholeJobLogsJSONLinesWithIdsAndNoSecrets() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let logURL = directory.url.appendingPathComponent("stderr.log")
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path),
                     "build the binary first: swift build --build-tests (scripts/test.sh does)")
        var environment = ProcessInfo.processInfo.environment
        environment["PARLEY_ADMIN_KEY"] = LiveServer.adminKey
        environment["PARLEY_ROOT"] = LiveServer.repositoryRoot.path
        environment["PARLEY_ENGINE_THREADS"] = "2"
        environment.removeValue(forKey: "PARLEY_LOG_FORMAT")
        let log = try ProcessRunner.openForAppending(logURL.path)
        let process = try SpawnedProcess.spawn(
            Self.binary.path, ["serve", "--port", "0", "--data-dir", directory.url.appendingPathComponent("data").path],
            environment: environment, stdin: ProcessRunner.devNull, stdout: ProcessRunner.devNull, stderr: log)
        close(log)
        defer { process.killNow() }

        func lines() throws -> [String] {
            try String(contentsOf: logURL, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        var port: Int?
        #expect(try await eventually(timeout: .seconds(60)) {
            port = Self.listeningPort(in: try lines().joined(separator: "\n"))
            return port != nil
        })
        let server = LiveServer(port: try #require(port), server: nil)
        #expect(try await eventually(timeout: .seconds(120)) { try await server.get("/v1/ready", key: nil).status == 200 })
        let apiKey = try await server.createKey(owner: "logs")
        let created = try await server.post("/v1/jobs", json: [
            "job_type": "nmt", "items": [["id": "line1", "text": "The cat is on the table.", "src_lng": "en", "tgt_lng": "pt"]],
        ], key: apiKey)
        let jobId = try #require(created.json["job_id"] as? String)
        let job = try await server.waitForJob(jobId, key: apiKey)
        #expect(job["status"] as? String == "succeeded")

        let (termination, graceful) = await process.stop(grace: .seconds(30))
        #expect(graceful && termination?.succeeded == true, "graceful exit on SIGTERM: \(String(describing: termination))")

        let all = try lines()
        let parsed = all.map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(parsed.allSatisfy { $0 != nil }, "every line is JSON: \(all.filter { !$0.hasPrefix("{") }.prefix(3))")
        let objects = parsed.compactMap { $0 }
        #expect(objects.allSatisfy { $0["ts"] != nil && $0["level"] != nil && $0["msg"] != nil })
        let requests = objects.filter { $0["msg"] as? String == "request" }
        #expect(!requests.isEmpty && requests.allSatisfy { ($0["request_id"] as? String)?.hasPrefix("req_") == true })
        #expect(objects.contains { $0["msg"] as? String == "job created" && $0["job_id"] as? String == jobId && $0["request_id"] != nil })
        #expect(objects.contains { $0["msg"] as? String == "item succeeded" && $0["job_id"] as? String == jobId && $0["item_id"] != nil })

        let text = all.joined(separator: "\n")
        #expect(!text.contains(LiveServer.adminKey), "the admin key never appears")
        #expect(!text.contains(apiKey), "an API key never appears")
        #expect(!text.contains(String(apiKey.split(separator: "_").last ?? "")), "nor its secret part")
    }

    /// The admin key generated at first start reaches an operator whose stdout is a pipe
    /// (systemd, docker logs, nohup) while the server runs, not when it exits; and it works.
    @Test func theFirstAdminKeyArrivesOnAPipeWhileTheServerRuns() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "PARLEY_ADMIN_KEY")
        environment["PARLEY_ENGINE"] = "echo"
        let logURL = directory.url.appendingPathComponent("stderr.log")
        let log = try ProcessRunner.openForAppending(logURL.path)
        let stdout = try PipeDescriptors()
        let process = try SpawnedProcess.spawn(
            Self.binary.path, ["serve", "--port", "0", "--data-dir", directory.url.appendingPathComponent("data").path],
            environment: environment, stdin: ProcessRunner.devNull, stdout: stdout.write, stderr: log)
        close(stdout.write)
        close(log)
        defer {
            process.killNow()
            close(stdout.read)
        }
        let printed = try await ProcessRunner.read(stdout.read, timeout: .seconds(60)) { $0.contains("\n  pk_") && $0.hasSuffix("\n") }
        #expect(process.isRunning, "the key arrived while the server runs")
        let key = try #require(printed.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("pk_") })
        var port: Int?
        #expect(await eventually(timeout: .seconds(30)) {
            port = Self.listeningPort(in: (try? String(contentsOf: logURL, encoding: .utf8)) ?? "")
            return port != nil
        })
        let server = LiveServer(port: try #require(port), server: nil)
        #expect(try await server.get("/v1/jobs", key: key).status == 200, "the printed key is an admin key")
        #expect(await process.stop(grace: .seconds(30)).graceful)
    }

    /// The port in a JSON "listening" log line.
    static func listeningPort(in log: String) -> Int? {
        log.split(separator: "\n").compactMap { line -> Int? in
            guard line.contains("\"msg\":\"listening\""), let range = line.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression)
            else { return nil }
            return Int(line[range].split(separator: ":").last ?? "")
        }.first
    }
}
