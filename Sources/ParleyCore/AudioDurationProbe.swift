import Foundation

/// Reads an audio file's duration from its container, without decoding: what a job reserves
/// of its key's daily quota. It knows WAV (RIFF, RF64), FLAC, Ogg (Opus, Vorbis), MP3
/// (Xing/Info/VBRI frame counts, else the constant bit rate) and MP4/M4A (`mvhd`); for
/// anything else, or a header it cannot trust, it answers nil and the worker charges what the
/// engine measured instead.
///
/// It reads only a few windows of the file (`AudioBytes`), so an upload is probed from its
/// first and last 64 KiB while it streams by.
public enum AudioDurationProbe {
    /// The bytes of the head and tail windows kept of a stream for probing.
    public static let window = 64 * 1024

    /// The duration in seconds, or nil where the container does not say.
    public static func seconds(_ bytes: some AudioBytes) -> Double? {
        var start = 0
        // An ID3v2 tag may lead MP3 and FLAC files.
        if let tag = bytes.slice(0, 10), tag.starts(with: Array("ID3".utf8)) {
            let size = tag[6...9].reduce(0) { $0 << 7 | Int($1 & 0x7F) }
            start = 10 + size + (tag[5] & 0x10 != 0 ? 10 : 0)
        }
        guard let magic = bytes.slice(start, 12) else { return nil }
        let found: Double?
        switch true {
        case start == 0 && (magic.starts(with: Array("RIFF".utf8)) || magic.starts(with: Array("RF64".utf8))):
            found = WAVHeader.seconds(bytes)
        case magic.starts(with: Array("fLaC".utf8)):
            found = FLACStreamInfo.seconds(bytes, at: start)
        case start == 0 && magic.starts(with: Array("OggS".utf8)):
            found = OggPages.seconds(bytes)
        case start == 0 && magic[4..<8].elementsEqual("ftyp".utf8):
            found = MP4Boxes.seconds(bytes)
        default:
            found = MP3Frames.seconds(bytes, from: start)
        }
        guard let found, found.isFinite, found >= 0 else { return nil }
        return found
    }
}

/// The parts of an audio file a probe may read: all of it (`Data`, `[UInt8]`), or the head
/// and tail windows of a stream (`AudioWindows`).
public protocol AudioBytes {
    /// The file's whole size in bytes.
    var size: Int { get }
    /// `count` bytes from `offset`, or nil when they lie outside what is held.
    func slice(_ offset: Int, _ count: Int) -> [UInt8]?
}

extension Array: AudioBytes where Element == UInt8 {
    public var size: Int { count }

    public func slice(_ offset: Int, _ count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset + count <= self.count else { return nil }
        return Array(self[offset..<(offset + count)])
    }
}

extension Data: AudioBytes {
    public var size: Int { count }

    public func slice(_ offset: Int, _ count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset + count <= self.count else { return nil }
        return Array(self[(startIndex + offset)..<(startIndex + offset + count)])
    }
}

/// The first and last bytes of a stream and its total size.
public struct AudioWindows: AudioBytes, Sendable {
    public private(set) var head: [UInt8] = []
    public private(set) var tail: [UInt8] = []
    public private(set) var size = 0
    let window: Int

    public init(window: Int = AudioDurationProbe.window) {
        self.window = window
    }

    /// Takes the next bytes of the stream.
    public mutating func append(_ chunk: some Collection<UInt8>) {
        size += chunk.count
        if head.count < window { head.append(contentsOf: chunk.prefix(window - head.count)) }
        if chunk.count >= window {
            tail = Array(chunk.suffix(window))
        } else {
            tail.append(contentsOf: chunk)
            if tail.count > 2 * window { tail.removeFirst(tail.count - window) }
        }
    }

    public func slice(_ offset: Int, _ count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset + count <= size else { return nil }
        if offset + count <= head.count { return Array(head[offset..<(offset + count)]) }
        let tailStart = size - tail.count
        guard offset >= tailStart else { return nil }
        return Array(tail[(offset - tailStart)..<(offset - tailStart + count)])
    }
}

/// Little- and big-endian integers at an offset of a byte array.
extension Array where Element == UInt8 {
    func le(_ offset: Int, _ width: Int) -> UInt64 {
        (0..<width).reversed().reduce(0) { $0 << 8 | UInt64(self[offset + $1]) }
    }

    func be(_ offset: Int, _ width: Int) -> UInt64 {
        (0..<width).reduce(0) { $0 << 8 | UInt64(self[offset + $1]) }
    }
}
