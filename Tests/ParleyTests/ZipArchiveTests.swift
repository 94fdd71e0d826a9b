import Foundation
import Testing
@testable import ParleyCore

/// The ZIP writer, checked by Python's zipfile, and the results archive of a job.
@Suite(.timeLimit(.minutes(5))) struct ZipArchiveTests {
    static let python = LiveServer.repositoryRoot.appendingPathComponent(".venv-tools/bin/python").path
    /// Lists a ZIP's entries as `name size crc date` after zipfile's own CRC check.
    static let lister = """
        import sys, zipfile
        z = zipfile.ZipFile(sys.argv[1])
        assert z.testzip() is None, "bad CRC"
        for i in z.infolist():
            print(i.filename, i.file_size, "%08x" % i.CRC, "%04d-%02d-%02dT%02d:%02d:%02d" % i.date_time)
            print(repr(z.read(i.filename).decode()))
        """

    static func list(_ bytes: [UInt8]) async throws -> [String] {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let file = directory.url.appendingPathComponent("a.zip")
        try Data(bytes).write(to: file)
        let outcome = try await ProcessRunner.run(Self.python, ["-c", Self.lister, file.path])
        #expect(outcome.status == 0, "\(outcome.output)")
        return outcome.output.split(separator: "\n").map(String.init)
    }

    /// Checks a ZIP file with zipfile and prints its entry count, then its last entry's name and text.
    static let checker = """
        import sys, zipfile
        z = zipfile.ZipFile(sys.argv[1])
        assert z.testzip() is None, "bad CRC"
        last = z.infolist()[-1]
        print(len(z.infolist()), last.filename, z.read(last.filename).decode())
        """

    static func check(_ file: URL) async throws -> String {
        let outcome = try await ProcessRunner.run(Self.python, ["-c", Self.checker, file.path])
        #expect(outcome.status == 0, "\(outcome.output)")
        return outcome.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func moreThan65535EntriesUseZip64() async throws {
        var archive = ZipArchive(modified: 1_795_794_246)
        var bytes: [UInt8] = []
        for index in 0..<70_000 { bytes += archive.entry("i\(index).txt", data: Array("\(index)".utf8)) }
        bytes += archive.end()
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let file = directory.url.appendingPathComponent("many.zip")
        try Data(bytes).write(to: file)
        #expect(try await Self.check(file) == "70000 i69999.txt 69999")
    }

    @Test func entriesPast4GiBUseZip64Offsets() async throws {
        // The archive starts 4.5 GiB into a sparse file, so its offsets need ZIP64 fields.
        let start: UInt64 = 4_831_838_208
        var archive = ZipArchive(modified: 1_795_794_246, offset: start)
        let bytes = archive.entry("a.srt", data: Array("first".utf8)) + archive.entry("b.srt", data: Array("second".utf8)) + archive.end()
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let file = directory.url.appendingPathComponent("far.zip")
        #expect(FileManager.default.createFile(atPath: file.path, contents: nil))
        let handle = try FileHandle(forWritingTo: file)
        try handle.seek(toOffset: start)
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
        #expect(try await Self.check(file) == "2 b.srt second")
    }

    @Test func crc32MatchesKnownValues() {
        #expect(ZipArchive.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(ZipArchive.crc32([]) == 0)
        #expect(ZipArchive.crc32(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test func pythonReadsWhatItWrites() async throws {
        var archive = ZipArchive(modified: 1_795_794_246)  // 2026-11-27T15:44:06Z
        var bytes = archive.entry("a.srt", data: Array("1\n00:00:00,000 --> 00:00:01,000\nHi\n".utf8))
        bytes += archive.entry("ünï €.txt", data: Array("ok".utf8))
        bytes += archive.entry("empty.txt", data: [])
        bytes += archive.end()
        #expect(try await Self.list(bytes) == [
            "a.srt 35 \(String(format: "%08x", ZipArchive.crc32(Array("1\n00:00:00,000 --> 00:00:01,000\nHi\n".utf8)))) 2026-11-27T15:44:06",
            "'1\\n00:00:00,000 --> 00:00:01,000\\nHi\\n'",
            "ünï €.txt 2 \(String(format: "%08x", ZipArchive.crc32(Array("ok".utf8)))) 2026-11-27T15:44:06", "'ok'",
            "empty.txt 0 00000000 2026-11-27T15:44:06", "''",
        ])
        #expect(try await Self.list(ZipArchive(modified: 0).end()).isEmpty, "an empty archive is valid")
    }

    @Test func aJobsResultsDownloadAsOneArchive() async throws {
        try await LiveServer.with(worker: true, configure: { $0.echoDelay = .zero }) { server in
            let created = try await server.post("/v1/jobs", json: [
                "job_type": "asr", "items": [
                    ["id": "one", "base64": "eA=="], ["id": "two", "base64": "eHk="], ["id": "bad", "audio_url": "http://127.0.0.1:1/x"],
                ],
            ])
            let jobId = try #require(created.json["job_id"] as? String)
            _ = try await server.waitForJob(jobId, timeout: .seconds(30))
            let archive = try await server.get("/v1/jobs/\(jobId)/results.zip?format=vtt")
            #expect(archive.status == 200 && archive.headers["content-type"] == "application/zip")
            let listing = try await Self.list(Array(archive.body))
            #expect(listing.filter { !$0.hasPrefix("'") }.map { String($0.prefix(while: { $0 != " " })) } == ["one.vtt", "two.vtt", "failed"])
            #expect(listing.contains { $0.hasPrefix("failed items.txt ") }, "\(listing)")
            #expect(listing.last?.contains("bad\\tfailed\\turl_forbidden") == true, "\(listing)")
            #expect(listing.contains("'WEBVTT\\n\\n00:00:00.000 --> 00:00:00.000\\necho 2 bytes\\n'"), "\(listing)")
            let bad = try await server.get("/v1/jobs/\(jobId)/results.zip?format=pdf")
            #expect(bad.status == 400 && bad.errorParam == "format")
            #expect(try await server.get("/v1/jobs/job_nope/results.zip").status == 404)
        }
    }
}
