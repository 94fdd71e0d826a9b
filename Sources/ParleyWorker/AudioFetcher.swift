import AsyncHTTPClient
import Foundation
import NIOCore
import ParleyCore

/// Fetches `audio_url` inputs over http(s) with size and time limits, refusing hosts that
/// resolve to loopback, private, link-local or metadata addresses.
///
/// Every hop is checked: redirects (at most `maxRedirects`) are followed by hand and each
/// target is checked again, and the connection is pinned to the address that was checked,
/// so a DNS answer that changes between the check and the connect (rebinding) cannot
/// reach an internal address.
///
/// `timeout` bounds the whole fetch (every hop, headers and body), and after `rateGrace` a
/// body that arrives slower than `minBytesPerSecond` on average ends it: a server that sends
/// its headers and then one byte every few seconds fails the item with `url_timeout`
/// (retried later) instead of holding a worker.
public struct AudioFetcher: Sendable {
    public var maxBytes: Int
    public var timeout: Duration
    public var minBytesPerSecond = 16 * 1_024
    public var rateGrace: Duration = .seconds(10)
    /// Hosts (names or literal addresses) exempt from the address policy, for internal storage.
    public var allowedHosts: Set<String>
    public var maxRedirects = 5

    public init(maxBytes: Int, timeout: Duration, allowedHosts: Set<String> = []) {
        self.maxBytes = maxBytes
        self.timeout = timeout
        self.allowedHosts = allowedHosts
    }

    public func fetch(_ urlString: String) async throws -> Data {
        let timeout = timeout
        return try await withDeadline(timeout, onTimeout: { ParleyError.urlTimeout("the audio URL did not deliver within \(timeout)") }) {
            try await fetchHops(urlString)
        }
    }

    private func fetchHops(_ urlString: String) async throws -> Data {
        var current = urlString
        for _ in 0...maxRedirects {
            guard let url = URL(string: current), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                  let host = url.host, !host.isEmpty
            else { throw ParleyError.urlForbidden("only http and https URLs with a host are fetched") }
            let client = Self.client(host: host, pinned: try await Self.checkHost(host, allowed: allowedHosts))
            let outcome = await Result { try await get(url, host: host, client: client) }
            try? await client.shutdown()
            switch try outcome.get() {
            case .body(let data): return data
            case .redirect(let location):
                guard let next = URL(string: location, relativeTo: url)?.absoluteString else {
                    throw ParleyError.urlUnreachable("\(host) redirected to an unusable location")
                }
                current = next
            }
        }
        throw ParleyError.urlForbidden("more than \(maxRedirects) redirects")
    }

    private enum Hop {
        case body(Data)
        case redirect(String)
    }

    private func get(_ url: URL, host: String, client: HTTPClient) async throws -> Hop {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .GET
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(timeout.components.seconds))
        } catch {
            throw ParleyError.urlUnreachable("fetching \(host) failed: \(type(of: error))")
        }
        if (300..<400).contains(response.status.code), let location = response.headers.first(name: "location") {
            return .redirect(location)
        }
        guard (200..<300).contains(response.status.code) else {
            let error = ParleyError.urlUnreachable("\(host) answered HTTP \(response.status.code)")
            throw response.status.code >= 500 ? error : ParleyError(code: error.code, message: error.message, status: 422)
        }
        if let length = response.headers.first(name: "content-length").flatMap(Int.init), length > maxBytes {
            throw ParleyError.inputTooLarge(limit: maxBytes)
        }
        var body = Data()
        let started = ContinuousClock.now
        do {
            for try await chunk in response.body {
                body.append(contentsOf: chunk.readableBytesView)
                if body.count > maxBytes { throw ParleyError.inputTooLarge(limit: maxBytes) }
                let elapsed = ContinuousClock.now - started
                if elapsed > rateGrace, Double(body.count) < Double(minBytesPerSecond) * elapsed.inSeconds {
                    throw ParleyError.urlTimeout(
                        "\(host) sent \(body.count) bytes in \(Int(elapsed.inSeconds)) s, under \(minBytesPerSecond) bytes/s")
                }
            }
        } catch let error as ParleyError {
            throw error
        } catch {
            throw ParleyError.urlUnreachable("reading from \(host) failed: \(type(of: error))")
        }
        return .body(body)
    }

    /// A one-use client that connects `host` only to `pinned` (the address that was checked,
    /// nil for an allowed host) and follows no redirects; shut it down after use.
    static func client(host: String, pinned: String?) -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
        if let pinned { configuration.dnsOverride = [bare(host): pinned] }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// A host without the brackets of an IPv6 literal.
    static func bare(_ host: String) -> String {
        host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    /// Refuses a host that resolves to a loopback, private, link-local or metadata address,
    /// unless `allowed` names it; the same rule guards every outbound request (audio, webhooks).
    /// Returns the checked address to connect to, or nil for an allowed host.
    @discardableResult
    static func checkHost(_ host: String, allowed: Set<String>) async throws -> String? {
        guard !allowed.contains(bare(host).lowercased()), !allowed.contains(host.lowercased()) else { return nil }
        let addresses = try await resolve(host)
        guard let first = addresses.first else { throw ParleyError.urlUnreachable("\(host) does not resolve") }
        if addresses.contains(where: AddressPolicy.isForbidden) {
            // Which address is not said: a tenant learns nothing of the internal network.
            throw ParleyError.urlForbidden("\(host) is not a public address; only public hosts are fetched")
        }
        return first
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
