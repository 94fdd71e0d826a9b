import Foundation
import Testing

/// The real `parley serve` binary, its stderr a file: JSON lines with ids, and no secrets.
@Suite struct LoggingTests {
    static let binary = LiveServer.repositoryRoot.appendingPathComponent(".build/debug/parley")

    @Test func aWholeJobLogsJSONLinesWithIdsAndNoSecrets() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let logURL = directory.url.appendingPathComponent("stderr.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path),
                     "build the binary first: swift build --build-tests (scripts/test.sh does)")
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["serve", "--port", "0", "--data-dir", directory.url.appendingPathComponent("data").path]
        var environment = ProcessInfo.processInfo.environment
        environment["PARLEY_ADMIN_KEY"] = LiveServer.adminKey
        environment["PARLEY_ROOT"] = LiveServer.repositoryRoot.path
        environment["PARLEY_ENGINE_THREADS"] = "2"
        environment.removeValue(forKey: "PARLEY_LOG_FORMAT")
        process.environment = environment
        process.standardError = log
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        func lines() throws -> [String] {
            try String(contentsOf: logURL, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        var port: Int?
        #expect(try await eventually(timeout: .seconds(60)) {
            port = try lines().compactMap { line -> Int? in
                guard line.contains("\"msg\":\"listening\""), let range = line.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression)
                else { return nil }
                return Int(line[range].split(separator: ":").last ?? "")
            }.first
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

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "graceful exit on SIGTERM")

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
}
