import Foundation

/// Real and synthetic recordings for end-to-end tests (Debian `pocketsphinx-testdata`, `espeak-ng`).
enum TestAudio {
    static let librivox = "/usr/share/pocketsphinx/test/data/librivox"

    /// A LibriVox clip and its reference transcript from the `transcription` file beside it.
    static func librivox(_ name: String) throws -> (audio: Data, reference: String) {
        let audio = try Data(contentsOf: URL(fileURLWithPath: "\(librivox)/\(name).wav"))
        let lines = try String(contentsOfFile: "\(librivox)/transcription", encoding: .utf8).split(separator: "\n")
        guard let line = lines.first(where: { $0.hasSuffix("(\(name))") }) else { throw TestFailure("no transcript for \(name)") }
        let reference = line.replacingOccurrences(of: "<s>", with: "").replacingOccurrences(of: "</s>", with: "")
            .replacingOccurrences(of: "(\(name))", with: "").trimmingCharacters(in: .whitespaces)
        return (audio, reference)
    }

    /// Speech synthesised by espeak-ng in `voice` (e.g. `de`), as WAV bytes.
    static func espeak(_ text: String, voice: String) async throws -> Data {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let output = directory.url.appendingPathComponent("speech.wav")
        let outcome = try await ProcessRunner.run("/usr/bin/espeak-ng", ["-v", voice, "-w", output.path, text])
        guard outcome.status == 0 else { throw TestFailure("espeak-ng failed: \(outcome.output)") }
        return try Data(contentsOf: output)
    }

    /// Bytes that no decoder accepts.
    static let corrupt = Data((0..<4_000).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) })
}
