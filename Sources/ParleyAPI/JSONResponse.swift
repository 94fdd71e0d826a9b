import Foundation
import HTTPTypes
import Hummingbird
import ParleyBlobs
import ParleyCore

/// Builds JSON, text and streamed-blob responses.
enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) throws -> Response {
        body(status, try encode(value), contentType: "application/json", headers: headers)
    }

    /// The API's JSON form of `value`: sorted keys, unescaped slashes.
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func body(_ status: HTTPResponse.Status, _ data: Data, contentType: String, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = contentType
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// A stored blob of `size` bytes, streamed chunk by chunk from the blob store.
    static func blob(_ key: String, size: Int, from blobs: any BlobStore, contentType: String) -> Response {
        let body = ResponseBody(contentLength: size) { writer in
            guard try await blobs.read(key, into: { try await writer.write($0) }) else {
                throw ParleyError.storageError("the blob vanished while streaming")
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: contentType], body: body)
    }

    /// The `{"error": {"code", "message", "param"}}` document for an error.
    static func error(_ error: ParleyError, headers: HTTPFields = [:]) -> Response {
        let body = ErrorDocument(error: .init(code: error.code, message: error.message, param: error.param))
        let status = HTTPResponse.Status(code: error.status)
        return (try? make(status, body, headers: headers))
            ?? Response(status: .internalServerError)
    }
}

/// The JSON shape of every error response.
struct ErrorDocument: Codable {
    struct Body: Codable {
        var code: String
        var message: String
        var param: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(code, forKey: .code)
            try container.encode(message, forKey: .message)
            try container.encode(param, forKey: .param)
        }
    }

    var error: Body
}
