import Foundation

/// The wire framing shared with `engine/`: a 4-byte big-endian header length,
/// the JSON header, then an optional raw payload whose length the header gives.
public enum EngineFrame {
    /// The protocol version both sides speak: 2 added progress frames before an answer.
    public static let protocolVersion = 2

    /// The largest header either side accepts (the engine's `MAX_HEADER_BYTES`): it carries a
    /// call's answers, and the engine fails the largest of them rather than write more.
    public static let maxHeaderBytes = 64 * 1024 * 1024
    /// The largest payload the engine reads (its `MAX_PAYLOAD_BYTES`).
    public static let maxPayloadBytes = 2 * 1024 * 1024 * 1024 - 1

    /// Encodes one frame. `header` must already carry `payload_length` when `payload` is not empty.
    public static func encode(header: Data, payload: Data = Data()) -> Data {
        var frame = Data(capacity: 4 + header.count + payload.count)
        let length = UInt32(header.count).bigEndian
        withUnsafeBytes(of: length) { frame.append(contentsOf: $0) }
        frame.append(header)
        frame.append(payload)
        return frame
    }

    /// Reads the header length from a 4-byte prefix; nil when it is out of range.
    public static func headerLength(prefix: Data) -> Int? {
        guard prefix.count == 4 else { return nil }
        let length = prefix.reduce(0) { ($0 << 8) | Int($1) }
        return (1...maxHeaderBytes).contains(length) ? length : nil
    }

    /// The `id` of a header the engine wrote with it first (`{"id":"…",`, as every frame of
    /// its own is), read from those bytes alone, so an answer of megabytes is not parsed to
    /// learn whose it is; nil when the header does not start so or the id holds an escape.
    public static func leadingId(_ header: Data) -> String? {
        let opening = Array(#"{"id":""#.utf8)
        guard header.count > opening.count, header.starts(with: opening) else { return nil }
        let start = header.index(header.startIndex, offsetBy: opening.count)
        guard let end = header[start...].firstIndex(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }),
              header[end] == UInt8(ascii: "\"")
        else { return nil }
        return String(decoding: header[start..<end], as: UTF8.self)
    }
}
