import Foundation
import NIOCore
import ParleyCore

/// A parsed `multipart/form-data` body: its parts in order, by field name.
struct MultipartForm {
    struct Part {
        var name: String
        var filename: String?
        var contentType: String?
        var body: ByteBuffer

        var text: String { String(buffer: body) }
    }

    var parts: [Part]

    /// Parses `body` with the boundary named by `contentType`; a malformed body is a 400.
    static func parse(_ body: ByteBuffer, contentType: String?) throws -> MultipartForm {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data"),
              let boundary = parameter("boundary", in: contentType), (1...70).contains(boundary.utf8.count)
        else {
            throw ParleyError.invalidValue("Content-Type", "send the request as multipart/form-data with a boundary")
        }
        return try parse(body, boundary: Array("--\(boundary)".utf8))
    }

    /// Splits `body` at `delimiter` (`--boundary`) into parts, each a header block and content (RFC 7578).
    /// Anything malformed throws, never traps: a missing closing delimiter, a header line without a
    /// colon, or a header name outside the token characters. Each part's body is a slice of
    /// `buffer`, sharing its storage: nothing is copied.
    static func parse(_ buffer: ByteBuffer, boundary delimiter: [UInt8]) throws -> MultipartForm {
        let body = buffer.readableBytesView
        let malformed = ParleyError.invalidValue("body", "the multipart/form-data body is malformed")
        let crlf: [UInt8] = [13, 10]
        guard var cursor = body.firstRange(of: delimiter)?.upperBound else { throw malformed }
        var parts: [Part] = []
        while true {
            let rest = body[cursor...]
            if rest.starts(with: [45, 45]) { return MultipartForm(parts: parts) }  // "--": the closing delimiter
            guard let lineEnd = rest.firstRange(of: crlf),
                  rest[rest.startIndex..<lineEnd.lowerBound].allSatisfy({ $0 == 32 || $0 == 9 })  // transport padding
            else { throw malformed }
            // Searched from the delimiter line's own CRLF, so a part without headers is found too.
            guard let headerEnd = body[lineEnd.lowerBound...].firstRange(of: crlf + crlf) else { throw malformed }
            let block = body[min(lineEnd.upperBound, headerEnd.lowerBound)..<headerEnd.lowerBound]
            let headers = try Self.headers(block, malformed: malformed)
            guard let next = body[headerEnd.upperBound...].firstRange(of: crlf + delimiter) else { throw malformed }
            let disposition = headers["content-disposition"] ?? ""
            parts.append(Part(
                name: parameter("name", in: disposition) ?? "", filename: parameter("filename", in: disposition),
                contentType: headers["content-type"],
                body: buffer.getSlice(at: headerEnd.upperBound, length: next.lowerBound - headerEnd.upperBound) ?? ByteBuffer()))
            cursor = next.upperBound
        }
    }

    /// `Name: value` lines, names lowercased; a name must be token characters.
    private static func headers(_ block: ByteBufferView, malformed: ParleyError) throws -> [String: String] {
        var headers: [String: String] = [:]
        guard !block.isEmpty else { return headers }
        for line in block.split(separator: 10, omittingEmptySubsequences: true) {
            let trimmed = line.last == 13 ? line.dropLast() : line
            guard let colon = trimmed.firstIndex(of: 58) else { throw malformed }
            let name = trimmed[trimmed.startIndex..<colon]
            guard !name.isEmpty, name.allSatisfy(isTokenByte) else { throw malformed }
            let value = String(decoding: trimmed[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            headers[String(decoding: name, as: UTF8.self).lowercased()] = value
        }
        return headers
    }

    /// RFC 9110 token characters: letters, digits and ``!#$%&'*+-.^_`|~``.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 48...57, 65...90, 97...122: true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    /// The first part named `name`.
    func part(_ name: String) -> Part? { parts.first { $0.name == name } }

    /// The text of the first part named `name`, if any.
    func text(_ name: String) -> String? { part(name)?.text }

    /// The texts of every part named `name`.
    func texts(_ name: String) -> [String] { parts.filter { $0.name == name }.map(\.text) }

    /// A `key=value` or `key="value"` parameter of a header value such as Content-Disposition.
    static func parameter(_ key: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == key else { continue }
            var value = pair[1]
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}
