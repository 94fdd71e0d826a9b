import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
import ParleyEngine
@testable import ParleyCore
@testable import ParleyServer
import ParleyObservability

/// Metrics, the Prometheus scrape, Sentry reports and the shipped monitoring files.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ObservabilityTests {
    func runTextJob(_ server: LiveServer) async throws {
        let created = try await server.post("/v1/jobs", json: [
            "job_type": "nmt", "items": [["id": "a", "text": "The cat is on the table.", "src_lng": "en", "tgt_lng": "pt"]],
        ])
        _ = try await server.waitForJob(try #require(created.json["job_id"] as? String))
    }

    @Test func metricsPassPromtoolAndAPrometheusServerScrapesThem() async throws {
        _ = PrometheusExport.registry
        let clip = try TestAudio.librivox("sense_and_sensibility_01_austen_64kb-0880")
        try await LiveServer.with(worker: true, configure: { $0.exportMetrics = true }) { server in
            try await runTextJob(server)
            let created = try await server.post("/v1/jobs", json: ["job_type": "asr", "items": [["id": "a", "base64": clip.audio.base64EncodedString()]]])
            _ = try await server.waitForJob(try #require(created.json["job_id"] as? String))
            let metrics = try await server.get("/metrics", key: nil)
            #expect(metrics.status == 200 && metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
            let check = try await ProcessRunner.run("/usr/bin/promtool", ["check", "metrics"], stdin: metrics.body)
            #expect(check.status == 0, "promtool: \(check.output)")
            for name in [MetricName.httpRequests, MetricName.httpRequestDuration, MetricName.jobsCreated, MetricName.itemsFinished,
                         MetricName.itemDuration, MetricName.audioSeconds, MetricName.engineRealtimeFactor] {
                #expect(metrics.text.contains(name), "\(name) is exported")
            }
            #expect(metrics.text.contains("route=\"/v1/jobs/{job_id}\""), "routes are templates, never ids")
            #expect(metrics.text.firstMatch(of: try Regex("(job|itm)_[a-z0-9]{20}")) == nil, "no id in any label")
            try await scrapeWithPrometheus(port: server.port)
        }
    }

    /// Starts a real Prometheus on loopback with the shipped scrape config aimed at `port`.
    func scrapeWithPrometheus(port: Int) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let shipped = try String(contentsOf: LiveServer.repositoryRoot.appendingPathComponent("deploy/prometheus/prometheus.yml"), encoding: .utf8)
        // The shipped targets (the API and the workers in compose) become this test's server.
        let config = shipped.replacing(try Regex(#"targets: \[[^\]]*\]"#), with: "targets: [\"127.0.0.1:\(port)\"]")
            .replacingOccurrences(of: "scrape_interval: 15s", with: "scrape_interval: 1s")
        let configURL = directory.url.appendingPathComponent("prometheus.yml")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        let webPort = try ProcessRunner.freePort()
        let prometheus = try SpawnedProcess.spawn("/usr/bin/prometheus", [
            "--config.file=\(configURL.path)", "--storage.tsdb.path=\(directory.path)/data",
            "--web.listen-address=127.0.0.1:\(webPort)", "--log.level=warn",
        ], environment: ProcessInfo.processInfo.environment,
           stdin: ProcessRunner.devNull, stdout: ProcessRunner.devNull, stderr: ProcessRunner.devNull)
        defer { prometheus.killNow() }
        let client = LiveServer(port: webPort, server: nil)
        let scraped = await eventually(timeout: .seconds(60), interval: .milliseconds(500)) {
            guard let response = try? await client.get("/api/v1/query?query=sum(parley_items_finished_total)", key: nil),
                  let data = response.json["data"] as? [String: Any],
                  let result = (data["result"] as? [[String: Any]])?.first,
                  let value = (result["value"] as? [Any])?.last as? String
            else { return false }
            return (Double(value) ?? 0) > 0
        }
        #expect(scraped, "Prometheus saw a non-zero parley_items_finished_total")
    }

    @Test func metricsTokenGuardsTheRoute() async throws {
        _ = PrometheusExport.registry
        try await LiveServer.with(worker: false, configure: { configuration in
            configuration.exportMetrics = true
            configuration.metricsToken = "scrape-secret"
        }) { (server: LiveServer) async throws in
            #expect(try await server.get("/metrics", key: nil).status == 401)
            #expect(try await server.get("/metrics", key: "wrong").status == 401)
            #expect(try await server.get("/metrics", key: "scrape-secret").status == 200)
        }
    }

    @Test func anEngineCrashSendsExactlyOneSentryEnvelope() async throws {
        let received = Mutex<[(auth: String, body: String)]>([])
        let router = Router()
        router.post("/api/:project/envelope/") { request, _ -> HTTPResponse.Status in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            received.withLock { $0.append((request.headers[HTTPField.Name("X-Sentry-Auth")!] ?? "", String(buffer: body))) }
            return .ok
        }
        let receiver = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await receiver.test(.live) { client in
            let dsn = try #require(SentryDSN("http://receiverkey@127.0.0.1:\(client.port!)/42"))
            try await LiveServer.with(worker: true, configure: { configuration in
                configuration.sentryDSN = dsn
                configuration.environment = "test"
            }) { server in
                let engine = try #require(server.server.engine)
                #expect(await eventually(timeout: .seconds(120)) { engine.health().ready })
                let pid = try #require(engine.pids(model: "whisper-base").first)
                kill(pid, SIGKILL)
                #expect(await eventually(timeout: .seconds(60)) { engine.pids(model: "whisper-base").first.map { $0 != pid } ?? false })
                #expect(await eventually(timeout: .seconds(10)) { received.withLock { $0.count } >= 1 })
                try await Task.sleep(for: .seconds(2))
            }
        }
        let envelopes = received.withLock { $0 }
        #expect(envelopes.count == 1, "\(envelopes)")
        let envelope = try #require(envelopes.first)
        #expect(envelope.auth.contains("sentry_key=receiverkey") && envelope.auth.contains("sentry_version=7"))
        let lines = envelope.body.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(lines.count == 3)
        #expect((lines[0]?["dsn"] as? String)?.contains("receiverkey@") == true)
        #expect(lines[1]?["type"] as? String == "event")
        let event = try #require(lines[2] ?? nil)
        #expect(event["environment"] as? String == "test" && event["level"] as? String == "error")
        #expect((event["tags"] as? [String: String])?["model"] == "whisper-base")
        #expect(((event["exception"] as? [String: Any])?["values"] as? [[String: Any]])?.first?["type"] as? String == "engine_crash")
    }

    @Test func dsnParsing() {
        let dsn = SentryDSN("https://abc123@o1.ingest.example.com/4507")
        #expect(dsn?.envelopeURL == "https://o1.ingest.example.com/api/4507/envelope/")
        #expect(dsn?.publicKey == "abc123")
        #expect(SentryDSN("http://key@localhost:9000/7")?.envelopeURL == "http://localhost:9000/api/7/envelope/")
        #expect(SentryDSN("https://o1.example.com/1") == nil)
        #expect(SentryDSN("https://key@example.com/") == nil)
        #expect(SentryDSN("ftp://key@example.com/1") == nil)
    }

    @Test func dashboardQueriesUseOnlyExportedMetrics() throws {
        let url = LiveServer.repositoryRoot.appendingPathComponent("deploy/grafana/parley.json")
        let dashboard = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let expressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(expressions.count >= 12)
        let pattern = try Regex("parley_[a-z_]+")
        var used = Set<String>()
        for expression in expressions {
            for match in expression.matches(of: pattern) {
                var name = String(expression[match.range])
                for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) && !MetricName.all.contains(name) {
                    name = String(name.dropLast(suffix.count))
                }
                used.insert(name)
            }
        }
        #expect(used.isSubset(of: Set(MetricName.all)), "unknown metrics: \(used.subtracting(MetricName.all))")
        #expect(Set(MetricName.all).subtracting(used).isEmpty, "metrics without a panel: \(Set(MetricName.all).subtracting(used))")
    }

    @Test func shippedPrometheusConfigIsValid() async throws {
        let path = LiveServer.repositoryRoot.appendingPathComponent("deploy/prometheus/prometheus.yml").path
        let check = try await ProcessRunner.run("/usr/bin/promtool", ["check", "config", path])
        #expect(check.status == 0, "\(check.output)")
    }
}

extension ObservabilityTests {
    @Test func composeFileValidates() async throws {
        let path = LiveServer.repositoryRoot.appendingPathComponent("deploy/docker-compose.yml").path
        let check = try await ProcessRunner.run("/usr/bin/docker-compose", ["-f", path, "config", "--quiet"])
        #expect(check.status == 0, "\(check.output)")
    }
}
