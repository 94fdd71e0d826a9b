import Foundation
import Testing
@testable import ParleyCore

/// The container duration probe that quota reservations rest on, over files FFmpeg's own
/// encoders write (through PyAV in the engine's environment), whole and as the head and tail
/// windows an upload keeps.
@Suite(.timeLimit(.minutes(3))) struct AudioDurationProbeTests {
    /// 7.5 s of a tone in `format` by `codec`.
    static func encoded(_ format: String, _ codec: String, rate: Int = 16_000, seconds: Double = 7.5, _ options: [String] = []) async throws -> Data {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let out = directory.url.appendingPathComponent("audio.\(format)").path
        let root = LiveServer.repositoryRoot
        let outcome = try await ProcessRunner.run(
            root.appendingPathComponent("engine/.venv/bin/python").path,
            [root.appendingPathComponent("Tests/Fixtures/encode_audio.py").path, format, codec, "\(seconds)", "\(rate)", out] + options)
        guard outcome.status == 0 else { throw TestFailure("encoding \(format)/\(codec) failed: \(outcome.output)") }
        return try Data(contentsOf: URL(fileURLWithPath: out))
    }

    /// The probe's answer from the whole file and from the windows a stream of 1,000-byte
    /// chunks (and of one chunk) leaves; the two must agree.
    static func probed(_ data: Data, window: Int = AudioDurationProbe.window) throws -> Double? {
        let whole = AudioDurationProbe.seconds(data)
        for chunk in [1_000, max(data.count, 1)] {
            var windows = AudioWindows(window: window)
            for start in stride(from: 0, to: data.count, by: chunk) { windows.append(data[start..<min(start + chunk, data.count)]) }
            #expect(windows.size == data.count)
            #expect(AudioDurationProbe.seconds(windows) == whole, "chunks of \(chunk)")
        }
        return whole
    }

    @Test(arguments: [
        ("wav", "pcm_s16le", 16_000, [String](), 0.001),
        ("flac", "flac", 16_000, [], 0.001),
        ("mp3", "libmp3lame", 16_000, [], 0.15),               // an Info header's frame count (with the encoder's delay)
        ("mp3", "libmp3lame", 44_100, ["write_xing=0"], 0.15), // no header: the constant bit rate
        ("ogg", "libopus", 48_000, [], 0.01),
        ("ipod", "aac", 16_000, [], 0.08),
        ("mp4", "aac", 44_100, ["movflags=faststart"], 0.08),
    ])
    func encodedFilesGiveTheirDuration(format: String, codec: String, rate: Int, options: [String], tolerance: Double) async throws {
        let data = try await Self.encoded(format, codec, rate: rate, options)
        let seconds = try #require(try Self.probed(data), "\(format)/\(codec)")
        #expect(abs(seconds - 7.5) <= tolerance, "\(format)/\(codec): \(seconds)")
    }

    @Test func aLongFileIsProbedFromItsWindowsAlone() async throws {
        // 10 minutes of FLAC and of an MP4 whose moov box sits at the end: far past the head window.
        for (format, codec) in [("flac", "flac"), ("ipod", "aac")] {
            let data = try await Self.encoded(format, codec, seconds: 600)
            #expect(data.count > 4 * AudioDurationProbe.window)
            let seconds = try #require(try Self.probed(data), "\(format)")
            #expect(abs(seconds - 600) < 0.1, "\(format): \(seconds)")
        }
    }

    @Test func wavSizesThatLieAreBoundedByTheBytesPresent() throws {
        let wav = PoisonItemTests.silence(seconds: 3)
        #expect(try Self.probed(wav) == 3)
        var truncated = wav.prefix(wav.count - 32_000)
        #expect(AudioDurationProbe.seconds(Data(truncated)) == 2)
        // A streamed WAV leaves its sizes open (0xFFFFFFFF): the bytes present count.
        truncated.replaceSubrange((truncated.startIndex + 40)..<(truncated.startIndex + 44), with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(AudioDurationProbe.seconds(Data(truncated)) == 2)
    }

    @Test func vorbisPagesGiveTheLastGranuleOverTheRate() throws {
        func page(granule: UInt64, serial: UInt32, _ packet: [UInt8]) -> [UInt8] {
            var bytes = Array("OggS".utf8) + [0, 0]
            bytes += withUnsafeBytes(of: granule.littleEndian, Array.init)
            bytes += withUnsafeBytes(of: serial.littleEndian, Array.init)
            bytes += [0, 0, 0, 0, 0, 0, 0, 0, 1, UInt8(packet.count)]
            return bytes + packet
        }
        var identification = [0x01] + Array("vorbis".utf8) + [0, 0, 0, 0, 1]
        identification += withUnsafeBytes(of: UInt32(22_050).littleEndian, Array.init) + [UInt8](repeating: 0, count: 14)
        let file = page(granule: 0, serial: 7, identification) + page(granule: 44_100 * 4, serial: 9, [1, 2, 3])
            + page(granule: 22_050 * 5, serial: 7, [1, 2, 3]) + page(granule: UInt64.max, serial: 7, [4])
        #expect(try Self.probed(Data(file)) == 5, "the last page with a granule of the first stream")
    }

    @Test func bytesNoContainerNamesGiveNoDuration() throws {
        for data in [Data(count: 3_200), TestAudio.corrupt, Data("RIFF fake audio bytes".utf8), Data(), Data("fLaC".utf8)] {
            #expect(try Self.probed(data) == nil)
        }
        // An MP3 frame header alone is not trusted: the next frame must follow it.
        #expect(AudioDurationProbe.seconds(Data([0xFF, 0xFB, 0x90, 0x64] + [UInt8](repeating: 0x55, count: 2_000))) == nil)
    }
}
