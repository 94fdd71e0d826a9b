import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import ParleyCore
@testable import ParleyWorker

/// SSRF rules of `audio_url` fetching, against servers on loopback only.
@Suite(.timeLimit(.minutes(5))) struct AudioFetcherTests {
    static let audio = Data("RIFF fake audio bytes".utf8)

    /// A loopback server with `/audio`, redirects to loopback under another name, and a loop.
    static func withServer(_ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.get("/audio") { _, _ in Response(status: .ok, body: .init(byteBuffer: ByteBuffer(data: audio))) }
        router.get("/to-localhost") { request, context -> Response in
            let port = request.uri.queryParameters.get("port") ?? "0"
            return Response(status: .found, headers: [.location: "http://localhost:\(port)/audio"])
        }
        router.get("/to-relative") { _, _ in Response(status: .movedPermanently, headers: [.location: "/audio"]) }
        router.get("/loop") { _, _ in Response(status: .temporaryRedirect, headers: [.location: "/loop"]) }
        // Headers at once, then one byte every half second for five minutes.
        router.get("/trickle") { _, _ in
            Response(status: .ok, body: ResponseBody { writer in
                for _ in 0..<600 {
                    try await writer.write(ByteBuffer(string: "x"))
                    try await Task.sleep(for: .milliseconds(500))
                }
                try await writer.finish(nil)
            })
        }
        // Headers at once, then nothing for 10 s (the server's shutdown waits for it to end).
        router.get("/stall") { _, _ in
            Response(status: .ok, body: ResponseBody { writer in
                try await Task.sleep(for: .seconds(10))
                try await writer.finish(nil)
            })
        }
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await application.test(.live) { client in try await body(client.port!) }
    }

    static func code(_ fetcher: AudioFetcher, _ url: String) async -> String? {
        do {
            _ = try await fetcher.fetch(url)
            return nil
        } catch let error as ParleyError {
            return error.code
        } catch {
            return "\(error)"
        }
    }

    @Test func privateAndLoopbackTargetsAreRefusedBeforeConnecting() async throws {
        try await Self.withServer { port in
            let fetcher = AudioFetcher(maxBytes: 1 << 20, timeout: .seconds(5))
            for url in [
                "http://127.0.0.1:\(port)/audio", "http://[::1]:\(port)/audio", "http://169.254.169.254/latest/meta-data",
                "http://10.0.0.1/audio", "http://localhost:\(port)/audio", "http://0.0.0.0:\(port)/audio",
                "http://[::ffff:127.0.0.1]:\(port)/audio", "http://192.168.1.1/", "ftp://example.com/a.wav", "file:///etc/passwd",
            ] {
                #expect(await Self.code(fetcher, url) == "url_forbidden", "\(url)")
            }
            // The message names the host the tenant gave, never the address it resolved to.
            do {
                _ = try await fetcher.fetch("http://localhost:\(port)/audio")
                Issue.record("localhost was fetched")
            } catch let error as ParleyError {
                #expect(!error.message.contains("127.0.0.1") && !error.message.contains("::1"), "\(error.message)")
                #expect(error.message.contains("localhost"), "\(error.message)")
            }
        }
    }

    @Test func anAllowlistedServerIsFetchedAndRedirectsAreCheckedAgain() async throws {
        try await Self.withServer { port in
            // A generous per-hop timeout: the suite runs this beside CPU-heavy tests, and timing is not what it checks.
            let fetcher = AudioFetcher(maxBytes: 1 << 20, timeout: .seconds(60), allowedHosts: ["127.0.0.1"])
            let direct = try await fetcher.fetch("http://127.0.0.1:\(port)/audio")
            let redirected = try await fetcher.fetch("http://127.0.0.1:\(port)/to-relative")
            #expect(direct == Self.audio)
            #expect(redirected == Self.audio, "a redirect on the allowed host is followed")
            #expect(await Self.code(fetcher, "http://127.0.0.1:\(port)/to-localhost?port=\(port)") == "url_forbidden",
                    "a redirect to loopback under another name is refused after the redirect")
            let loop = await Self.code(fetcher, "http://127.0.0.1:\(port)/loop")
            #expect(loop == "url_forbidden", "redirect loops end: \(loop ?? "fetched")")
            let small = AudioFetcher(maxBytes: 4, timeout: .seconds(60), allowedHosts: ["127.0.0.1"])
            #expect(await Self.code(small, "http://127.0.0.1:\(port)/audio") == "input_too_large")
            #expect(await Self.code(fetcher, "http://127.0.0.1:\(port)/missing") == "url_unreachable")
        }
    }

    @Test func theConnectionGoesToTheCheckedAddress() async throws {
        try await Self.withServer { port in
            // `pinned.invalid` does not resolve; the pinned client connects to the checked address anyway.
            let client = AudioFetcher.client(host: "pinned.invalid", pinned: "127.0.0.1")
            let outcome = await Result {
                let response = try await client.execute(HTTPClientRequest(url: "http://pinned.invalid:\(port)/audio"), timeout: .seconds(5))
                return Data(buffer: try await response.body.collect(upTo: 1 << 20))
            }
            try? await client.shutdown()
            let fetched = try outcome.get()
            #expect(fetched == Self.audio)
        }
    }

    @Test func aBodyThatTricklesOrStallsAfterItsHeadersEndsTheFetch() async throws {
        try await Self.withServer { port in
            var trickle = AudioFetcher(maxBytes: 1 << 20, timeout: .seconds(240), allowedHosts: ["127.0.0.1"])
            trickle.rateGrace = .seconds(2)
            trickle.minBytesPerSecond = 1_024
            let started = ContinuousClock.now
            #expect(await Self.code(trickle, "http://127.0.0.1:\(port)/trickle") == "url_timeout")
            // About 2 s; loose bounds, as the suite runs beside engines loading on 2 cores.
            #expect(ContinuousClock.now - started < .seconds(120), "the minimum rate ends it, not its 240 s deadline or the server")
            let stall = AudioFetcher(maxBytes: 1 << 20, timeout: .seconds(2), allowedHosts: ["127.0.0.1"])
            #expect(await Self.code(stall, "http://127.0.0.1:\(port)/stall") == "url_timeout", "the deadline covers the body")
            #expect(ParleyError.urlTimeout("x").retryable)
        }
    }
}
