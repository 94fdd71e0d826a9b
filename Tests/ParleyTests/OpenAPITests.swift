import Foundation
import Testing
@testable import ParleyServer

/// The OpenAPI document: valid, served with the docs page, and honoured by the running server
/// under schemathesis.
@Suite(.timeLimit(.minutes(5))) struct OpenAPITests {
    static let python = LiveServer.repositoryRoot.appendingPathComponent(".venv-tools/bin/python").path
    static let document = LiveServer.repositoryRoot.appendingPathComponent("Sources/ParleyAPI/Resources/openapi.json")

    @Test func theDocumentValidatesAndIsServedWithAnOfflineDocsPage() async throws {
        let check = try await ProcessRunner.run(Self.python, ["-m", "openapi_spec_validator", Self.document.path])
        #expect(check.status == 0, "\(check.output)")
        try await LiveServer.with(worker: false) { server in
            let served = try await server.get("/openapi.json", key: nil)
            let file = try Data(contentsOf: Self.document)
            #expect(served.status == 200 && served.body == file)
            let paths = (served.json["paths"] as? [String: Any])?.keys.sorted() ?? []
            #expect(paths.contains("/v1/audio/transcriptions") && paths.contains("/v1/jobs/{job_id}/items/{item_id}/result"))
            let docs = try await server.get("/docs", key: nil)
            #expect(docs.status == 200 && docs.headers["content-type"]?.hasPrefix("text/html") == true)
            #expect(docs.text.contains("fetch(\"/openapi.json\")") && !docs.text.contains("https://") && !docs.text.contains("<script src"),
                    "the page needs no CDN")
        }
    }

    @Test func schemathesisFindsNoServerErrorAndNoSchemaViolation() async throws {
        let cli = LiveServer.repositoryRoot.appendingPathComponent(".venv-tools/bin/schemathesis").path
        _ = PrometheusExport.registry
        try await LiveServer.with(worker: true, configure: {
            $0.echoDelay = .zero
            $0.exportMetrics = true
        }) { server in
            let key = try await server.createKey(
                owner: "schemathesis", scopes: ["jobs:write", "jobs:read", "admin"], ratePerMinute: 1_000_000, burst: 1_000_000)
            let run = try await ProcessRunner.run(cli, [
                "run", "http://127.0.0.1:\(server.port)/openapi.json", "-H", "Authorization: Bearer \(key)",
                "-n", "40", "--seed", "7", "--no-color",
                "-c", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            ])
            #expect(run.status == 0, "\(run.output.suffix(4000))")
            let generated = run.output.firstMatch(of: /(\d+) generated/).flatMap { Int($0.1) } ?? 0
            #expect(generated >= 500, "\(run.output.suffix(2000))")
        }
    }
}
