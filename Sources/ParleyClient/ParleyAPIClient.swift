import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// An error the Parley API answered with, or a transport failure.
public struct ClientError: Error, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String

    public var description: String { status == 0 ? message : "HTTP \(status) \(code): \(message)" }
}

/// A small client of Parley's HTTP API, for `parley submit` and `parley jobs`.
public struct ParleyAPIClient: Sendable {
    public let server: String
    let key: String
    let http: HTTPClient

    /// - Parameter server: the base URL, e.g. `http://127.0.0.1:8080`.
    public init(server: String, key: String, http: HTTPClient = .shared) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.key = key
        self.http = http
    }

    /// Streams a file to `POST /v1/uploads`; returns its upload id.
    public func upload(_ file: URL) async throws -> String {
        let size = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int ?? 0
        var request = request(.POST, "/v1/uploads")
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .stream(try FileChunks(file), length: .known(Int64(size)))
        let answer = try await json(request)
        guard let id = answer["id"] as? String else { throw ClientError(status: 0, code: "bad_answer", message: "the upload answer has no id") }
        return id
    }

    /// `POST /v1/jobs`; returns the job id.
    public func createJob(_ body: [String: Any]) async throws -> String {
        var request = request(.POST, "/v1/jobs")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(data: try JSONSerialization.data(withJSONObject: body)))
        let answer = try await json(request)
        guard let id = answer["job_id"] as? String else { throw ClientError(status: 0, code: "bad_answer", message: "the job answer has no job_id") }
        return id
    }

    /// `GET /v1/jobs/{id}` as JSON.
    public func job(_ id: String) async throws -> [String: Any] {
        try await json(request(.GET, "/v1/jobs/\(id)"))
    }

    /// `POST /v1/jobs/{id}/cancel` as JSON.
    public func cancel(_ id: String) async throws -> [String: Any] {
        try await json(request(.POST, "/v1/jobs/\(id)/cancel"))
    }

    /// One item's result in `format`, as the server renders it.
    public func result(job: String, item: String, format: String) async throws -> Data {
        let escaped = item.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? item
        return try await data(request(.GET, "/v1/jobs/\(job)/items/\(escaped)/result?format=\(format)"))
    }

    private func request(_ method: HTTPMethod, _ path: String) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: server + path)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "User-Agent", value: "parley-cli")
        return request
    }

    private func json(_ request: HTTPClientRequest) async throws -> [String: Any] {
        let body = try await data(request)
        return (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
    }

    private func data(_ request: HTTPClientRequest) async throws -> Data {
        let response: HTTPClientResponse
        let body: Data
        do {
            response = try await http.execute(request, timeout: .minutes(30))
            body = Data(buffer: try await response.body.collect(upTo: 512 * 1024 * 1024))
        } catch {
            throw ClientError(status: 0, code: "unreachable", message: "\(server) could not be reached: \(error)")
        }
        guard (200..<300).contains(response.status.code) else {
            let error = ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["error"] as? [String: Any]
            throw ClientError(
                status: Int(response.status.code), code: error?["code"] as? String ?? "http_error",
                message: error?["message"] as? String ?? String(decoding: body.prefix(200), as: UTF8.self))
        }
        return body
    }
}
