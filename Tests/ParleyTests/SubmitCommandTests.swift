import Foundation
import Testing
@testable import ParleyClient

/// `parley submit` against a running server, and its pure parts.
@Suite(.timeLimit(.minutes(5))) struct SubmitCommandTests {
    @Test func submitDownloadsSubtitlesAndNamesTheFailedItem() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let inputs = directory.url.appendingPathComponent("in")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        for name in ["0870", "0880", "0890"] {
            try TestAudio.librivox("sense_and_sensibility_01_austen_64kb-\(name)").audio
                .write(to: inputs.appendingPathComponent("clip \(name).wav"))
        }
        try await LiveServer.with(worker: true) { server in
            let output = directory.url.appendingPathComponent("out")
            let arguments = ["submit", "--server", "http://127.0.0.1:\(server.port)", "--key", LiveServer.adminKey,
                             "--type", "asr", "--format", "srt", "--output", output.path]
            let good = try await ProcessRunner.run(LoggingTests.binary.path, arguments + [inputs.path])
            #expect(good.status == 0, "\(good.output)")
            let files = try FileManager.default.contentsOfDirectory(atPath: output.path).sorted()
            #expect(files == ["clip_0870.srt", "clip_0880.srt", "clip_0890.srt"], "\(good.output)")
            for file in files {
                let srt = try String(contentsOf: output.appendingPathComponent(file), encoding: .utf8)
                #expect(srt.hasPrefix("1\n00:00:00,000 --> "), "\(file): \(srt)")
            }
            #expect(good.output.contains("3/3 items"), "progress is reported: \(good.output)")

            let corrupt = directory.url.appendingPathComponent("corrupt.wav")
            try TestAudio.corrupt.write(to: corrupt)
            let bad = try await ProcessRunner.run(
                LoggingTests.binary.path, arguments + [inputs.appendingPathComponent("clip 0880.wav").path, corrupt.path])
            #expect(bad.status != 0)
            #expect(bad.output.contains("failed: corrupt: failed: invalid_audio"), "\(bad.output)")

            let unauthorized = try await ProcessRunner.run(
                LoggingTests.binary.path, ["jobs", "get", "job_x", "--server", "http://127.0.0.1:\(server.port)", "--key", "pk_wrong"])
            #expect(unauthorized.status != 0 && unauthorized.output.contains("401"), "\(unauthorized.output)")
        }
    }

    @Test func progressLines() {
        #expect(ProgressLine(done: 0, failed: 0, total: 20, elapsed: 0).render() == "[--------------------] 0/20 items  0.0 items/s  ETA ?")
        #expect(ProgressLine(done: 8, failed: 1, total: 20, elapsed: 4).render()
                == "[########------------] 8/20 items (1 failed)  2.0 items/s  ETA 6s")
        #expect(ProgressLine(done: 20, failed: 0, total: 20, elapsed: 10).render() == "[####################] 20/20 items  2.0 items/s  ETA 0s")
        #expect(ProgressLine.duration(59.2) == "1m00s" && ProgressLine.duration(185) == "3m05s" && ProgressLine.duration(3_720) == "1h02m")
    }

    @Test func plansExpandDirectoriesWithUniqueIds() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let nested = directory.url.appendingPathComponent("a/b")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        for path in ["a/x y.wav", "a/b/x y.mp3", "a/b/notes.txt", "a/b/z.FLAC"] {
            try Data("x".utf8).write(to: directory.url.appendingPathComponent(path))
        }
        let plan = try SubmitPlan(paths: [directory.url.appendingPathComponent("a").path], text: false)
        #expect(plan.entries.map(\.id) == ["x_y", "z", "x_y-2"])
        let text = try SubmitPlan(paths: [directory.url.path], text: true)
        #expect(text.entries.map(\.id) == ["notes"])
        #expect(throws: ClientError.self) { try SubmitPlan(paths: [directory.url.appendingPathComponent("missing").path], text: false) }
    }
}
