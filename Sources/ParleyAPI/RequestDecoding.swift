import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat
import ParleyCore

/// Reads and decodes request bodies with limits and field-precise errors.
enum RequestDecoding {
    /// Collects the body, refusing more than `limit` bytes with 413.
    static func body(_ request: Request, limit: Int) async throws -> Data {
        // Large buffers move into the Data without a copy.
        Data(buffer: try await buffer(request, limit: limit), byteTransferStrategy: .automatic)
    }

    /// As `body`, as the buffer the server received.
    static func buffer(_ request: Request, limit: Int) async throws -> ByteBuffer {
        try refuseDeclaredLength(request, over: limit)
        var request = request
        do {
            return try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw ParleyError.bodyTooLarge(limit: limit)
        }
    }

    /// 413 before reading anything when `Content-Length` already says the body is too large.
    static func refuseDeclaredLength(_ request: Request, over limit: Int) throws {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw ParleyError.bodyTooLarge(limit: limit)
        }
    }

    /// Decodes JSON, naming the offending field (`items[2].id`) on a type error.
    static func json<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        guard !data.isEmpty else { throw ParleyError.invalidJSON("the request body is empty; send a JSON object") }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            switch error {
            case .typeMismatch(let expected, let context), .valueNotFound(let expected, let context):
                guard !context.codingPath.isEmpty else { throw ParleyError.invalidJSON("the request body must be a JSON object") }
                let param = path(context.codingPath)
                throw ParleyError.invalidValue(param, "\(param) must be \(describe(expected))")
            case .keyNotFound(let key, let context):
                throw ParleyError.missingField(path(context.codingPath + [key]))
            case .dataCorrupted(let context):
                if context.codingPath.isEmpty { throw ParleyError.invalidJSON("the request body is not valid JSON") }
                throw ParleyError.invalidValue(path(context.codingPath), "\(path(context.codingPath)) is malformed")
            @unknown default:
                throw ParleyError.invalidJSON("the request body could not be read")
            }
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.reduce("") { path, key in
            if let index = key.intValue { return path + "[\(index)]" }
            return path.isEmpty ? key.stringValue : path + "." + key.stringValue
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        default: String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
