import AsyncHTTPClient
import Foundation
import NIOCore
import ParleyCore

/// Fetches `audio_url` inputs over http(s) with size and time limits, refusing
/// hosts that resolve to loopback, private or link-local addresses.
public struct AudioFetcher: Sendable {
    public var maxBytes: Int
    public var timeout: Duration
    /// Hosts (names or literal addresses) exempt from the address policy, for internal storage.
    public var allowedHosts: Set<String>
    private let client: HTTPClient

    public init(client: HTTPClient, maxBytes: Int, timeout: Duration, allowedHosts: Set<String> = []) {
        self.client = client
        self.maxBytes = maxBytes
        self.timeout = timeout
        self.allowedHosts = allowedHosts
    }

    public func fetch(_ urlString: String) async throws -> Data {
        guard let url = URL(string: urlString), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty
        else { throw ParleyError.urlForbidden("only http and https URLs with a host are fetched") }
        try await Self.checkHost(host, allowed: allowedHosts)
        var request = HTTPClientRequest(url: urlString)
        request.method = .GET
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(timeout.components.seconds))
        } catch {
            throw ParleyError.urlUnreachable("fetching \(host) failed: \(type(of: error))")
        }
        guard (200..<300).contains(response.status.code) else {
            if (300..<400).contains(response.status.code) {
                throw ParleyError.urlForbidden("\(host) answered a redirect; redirects are not followed")
            }
            let error = ParleyError.urlUnreachable("\(host) answered HTTP \(response.status.code)")
            throw response.status.code >= 500 ? error : ParleyError(code: error.code, message: error.message, status: 422)
        }
        if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > maxBytes {
            throw ParleyError.inputTooLarge(limit: maxBytes)
        }
        var body = Data()
        do {
            for try await chunk in response.body {
                body.append(contentsOf: chunk.readableBytesView)
                if body.count > maxBytes { throw ParleyError.inputTooLarge(limit: maxBytes) }
            }
        } catch let error as ParleyError {
            throw error
        } catch {
            throw ParleyError.urlUnreachable("reading from \(host) failed: \(type(of: error))")
        }
        return body
    }

    /// Refuses a host that resolves to a loopback, private, link-local or metadata address,
    /// unless `allowed` names it; the same rule guards every outbound request (audio, webhooks).
    static func checkHost(_ host: String, allowed: Set<String>) async throws {
        guard !allowed.contains(host.lowercased()) else { return }
        let addresses = try await resolve(host)
        if addresses.isEmpty { throw ParleyError.urlUnreachable("\(host) does not resolve") }
        if let bad = addresses.first(where: AddressPolicy.isForbidden) {
            throw ParleyError.urlForbidden("\(host) resolves to \(bad), a non-public address")
        }
    }

    /// The numeric addresses a host name resolves to (a literal address resolves to itself).
    static func resolve(_ host: String) async throws -> [String] {
        let name = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var list: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(name, nil, &hints, &list) == 0 else { return continuation.resume(returning: []) }
                defer { freeaddrinfo(list) }
                var addresses: [String] = []
                var cursor = list
                while let entry = cursor {
                    var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
                    if getnameinfo(entry.pointee.ai_addr, entry.pointee.ai_addrlen, &buffer, socklen_t(buffer.count),
                                   nil, 0, NI_NUMERICHOST) == 0 {
                        addresses.append(String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
                    }
                    cursor = entry.pointee.ai_next
                }
                continuation.resume(returning: addresses)
            }
        }
    }
}
