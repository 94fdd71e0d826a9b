/// A RESP2 value, as Redis sends and receives them.
public enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    /// A bulk string; nil is the null bulk string (`$-1`).
    case bulkString([UInt8]?)
    /// An array; nil is the null array (`*-1`).
    case array([RESPValue]?)

    /// The value as text, for simple and bulk strings.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let bytes?): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The value as an integer, for integers and numeric strings.
    public var int: Int64? {
        switch self {
        case .integer(let value): value
        default: string.flatMap { Int64($0) }
        }
    }
}

/// Encodes commands and decodes replies in RESP2; pure, with no I/O.
public enum RESPCodec {
    /// A command as Redis expects it from clients: an array of bulk strings.
    public static func encodeCommand(_ arguments: [String]) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: Array("*\(arguments.count)\r\n".utf8))
        for argument in arguments {
            let bytes = Array(argument.utf8)
            out.append(contentsOf: Array("$\(bytes.count)\r\n".utf8))
            out.append(contentsOf: bytes)
            out.append(contentsOf: [13, 10])
        }
        return out
    }

    /// Why bytes are not RESP.
    public struct DecodingError: Error, Equatable {
        public let reason: String
    }

    /// Decodes one value from the start of `bytes`.
    /// - Returns: the value and how many bytes it took, or nil when more bytes are needed.
    public static func decode(_ bytes: ArraySlice<UInt8>) throws -> (value: RESPValue, consumed: Int)? {
        guard let type = bytes.first else { return nil }
        guard let lineEnd = lineEnd(in: bytes, from: bytes.startIndex + 1) else {
            if bytes.count > maxLine { throw DecodingError(reason: "line longer than \(maxLine) bytes") }
            return nil
        }
        let line = String(decoding: bytes[(bytes.startIndex + 1)..<lineEnd], as: UTF8.self)
        let afterLine = lineEnd + 2
        switch type {
        case UInt8(ascii: "+"): return (.simpleString(line), afterLine - bytes.startIndex)
        case UInt8(ascii: "-"): return (.error(line), afterLine - bytes.startIndex)
        case UInt8(ascii: ":"):
            guard let value = Int64(line) else { throw DecodingError(reason: "bad integer '\(line)'") }
            return (.integer(value), afterLine - bytes.startIndex)
        case UInt8(ascii: "$"):
            guard let length = Int(line), length >= -1, length <= maxBulk else { throw DecodingError(reason: "bad bulk length '\(line)'") }
            if length == -1 { return (.bulkString(nil), afterLine - bytes.startIndex) }
            guard bytes.endIndex >= afterLine + length + 2 else { return nil }
            guard bytes[afterLine + length] == 13, bytes[afterLine + length + 1] == 10 else {
                throw DecodingError(reason: "bulk string not terminated by CRLF")
            }
            return (.bulkString(Array(bytes[afterLine..<(afterLine + length)])), afterLine + length + 2 - bytes.startIndex)
        case UInt8(ascii: "*"):
            guard let count = Int(line), count >= -1, count <= maxArray else { throw DecodingError(reason: "bad array length '\(line)'") }
            if count == -1 { return (.array(nil), afterLine - bytes.startIndex) }
            var elements: [RESPValue] = []
            var offset = afterLine
            for _ in 0..<count {
                guard let (element, used) = try decode(bytes[offset...]) else { return nil }
                elements.append(element)
                offset += used
            }
            return (.array(elements), offset - bytes.startIndex)
        default:
            throw DecodingError(reason: "unknown type byte \(type)")
        }
    }

    static let maxLine = 64 * 1024
    static let maxBulk = 512 * 1024 * 1024
    static let maxArray = 1024 * 1024

    private static func lineEnd(in bytes: ArraySlice<UInt8>, from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.endIndex {
            if bytes[index] == 13 && bytes[index + 1] == 10 { return index }
            index += 1
        }
        return nil
    }
}
