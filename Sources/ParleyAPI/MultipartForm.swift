import Foundation
import MultipartKit
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
              let boundary = parameter("boundary", in: contentType), !boundary.isEmpty
        else {
            throw ParleyError.invalidValue("Content-Type", "send the request as multipart/form-data with a boundary")
        }
        final class Collector {
            var parts: [Part] = []
            var headers: [String: String] = [:]
            var body = ByteBuffer()
        }
        let collector = Collector()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.headers[name.lowercased()] = value }
        parser.onBody = { chunk in collector.body.writeBuffer(&chunk) }
        parser.onPartComplete = {
            let disposition = collector.headers["content-disposition"] ?? ""
            collector.parts.append(Part(
                name: parameter("name", in: disposition) ?? "", filename: parameter("filename", in: disposition),
                contentType: collector.headers["content-type"], body: collector.body))
            collector.headers = [:]
            collector.body = ByteBuffer()
        }
        do {
            try parser.execute(body)
        } catch {
            throw ParleyError.invalidValue("body", "the multipart/form-data body is malformed")
        }
        return MultipartForm(parts: collector.parts)
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
