import Foundation
import Glibc
import Testing
@testable import ParleyServer

/// A plain TCP connection to a test server, for what an HTTP client will not do: stall
/// mid-request, hold a connection idle, watch whether an answer comes at all.
final class RawConnection {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("connect failed: errno \(errno)") }
    }

    deinit { close(fd) }

    func send(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.send(fd, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
    }

    /// What arrives within `timeout`, read off the cooperative pool: nil when nothing came in
    /// time, "" when the server closed the connection.
    func receive(timeout: Duration) async -> String? {
        let fd = fd
        return await ProcessRunner.offPool {
            var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 4_096)
            let count = recv(fd, &buffer, buffer.count, 0)
            if count < 0 { return nil }
            return String(decoding: buffer[0..<count], as: UTF8.self)
        }
    }
}

/// The API's bounds: idle and half-sent connections are closed, connections are capped,
/// bodies held at once are capped, synchronous requests are capped, results stream.
@Suite(.timeLimit(.minutes(3))) struct BoundedAPITests {
    @Test func idleAndHalfSentConnectionsAreClosed() async throws {
        try await LiveServer.with(worker: false, configure: { $0.api.idleTimeout = .seconds(1) }) { server in
            let idle = try RawConnection(port: server.port)
            let stalled = try RawConnection(port: server.port)
            stalled.send("POST /v1/jobs HTTP/1.1\r\nHost: x\r\n")
            #expect(await idle.receive(timeout: .seconds(30)) == "", "an idle connection is closed")
            #expect(await stalled.receive(timeout: .seconds(30)) == "", "a request that stops halfway is closed")
        }
    }

    @Test func connectionsBeyondTheCapWaitToBeServed() async throws {
        try await LiveServer.with(worker: false, configure: { $0.api.maxConnections = 2 }) { server in
            var held = [try RawConnection(port: server.port), try RawConnection(port: server.port)]
            for connection in held {
                // Served, so accepted and counted, before the third connects.
                connection.send("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await connection.receive(timeout: .seconds(30))?.hasPrefix("HTTP/1.1 200") == true)
            }
            let third = try RawConnection(port: server.port)
            third.send("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await third.receive(timeout: .seconds(1)) == nil, "no answer while two connections are held")
            held.removeAll()
            let answer = await third.receive(timeout: .seconds(30))
            #expect(answer?.hasPrefix("HTTP/1.1 200") == true, "served once a connection closed: \(answer ?? "nothing")")
        }
    }

    @Test func bodiesBeyondTheInflightBudgetGet503() async throws {
        try await LiveServer.with(worker: false, configure: { $0.api.inflightBodyBytes = 1_048_576 }) { server in
            let slow = try RawConnection(port: server.port)
            slow.send("POST /v1/jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(LiveServer.adminKey)\r\n"
                      + "Content-Type: application/json\r\nContent-Length: 900000\r\n\r\n{\"job_type\"")
            let body = try JSONSerialization.data(withJSONObject: [
                "job_type": "asr", "items": [["id": "a", "base64": Data(count: 300_000).base64EncodedString()]],
            ])
            var refused: TestResponse?
            #expect(try await eventually {
                let answer = try await server.request(.POST, "/v1/jobs", body: body, headers: ["Content-Type": "application/json"])
                refused = answer
                return answer.status == 503
            }, "refused while the first body holds 900 kB of the 1 MiB budget")
            #expect(refused?.errorCode == "server_busy" && refused?.headers["retry-after"] == "1", "\(refused?.text ?? "")")
            withExtendedLifetime(slow) {}
        }
    }

    @Test func synchronousRequestsBeyondTheCapGet503() async throws {
        try await LiveServer.with(worker: true, configure: {
            $0.echoDelay = .seconds(3)
            $0.api.syncConcurrency = 1
        }) { server in
            async let first = NonSpeechTests.openAI(server, route: "transcriptions", audio: Data(count: 3_200))
            #expect(try await eventually { (try await server.get("/v1/jobs").json["data"] as? [Any])?.count == 1 }, "the first runs")
            let second = try await NonSpeechTests.openAI(server, route: "transcriptions", audio: Data(count: 3_200))
            #expect(second.status == 503 && second.errorCode == "server_busy" && second.headers["retry-after"] == "1", "\(second.text)")
            let answered = try await first
            #expect(answered.status == 200, "\(answered.text)")
        }
    }

    @Test func resultsStreamAsOneJSONDocument() async throws {
        try await LiveServer.with(worker: true, configure: { $0.echoDelay = .zero }) { server in
            let created = try await server.post("/v1/jobs", json: ["job_type": "asr", "items": [
                ["id": "a", "base64": "eA=="], ["id": "b", "base64": "eHk="], ["id": "c", "base64": "eHl6"],
            ]])
            let jobId = try #require(created.json["job_id"] as? String)
            _ = try await server.waitForJob(jobId, timeout: .seconds(60))
            let answer = try await server.get("/v1/jobs/\(jobId)/results")
            #expect(answer.headers["content-type"] == "application/json")
            #expect(answer.json["job_id"] as? String == jobId && answer.json["status"] as? String == "succeeded", "\(answer.text)")
            let results = try #require(answer.json["results"] as? [[String: Any]])
            #expect(results.map { $0["id"] as? String } == ["a", "b", "c"])
            #expect(results.allSatisfy { ($0["result"] as? [String: Any])?["text"] is String })
        }
    }
}
