import Foundation
import Testing
@testable import ParleyServer

/// `parley keys` and `parley migrate` on the real binary, offline, on a data directory.
@Suite(.timeLimit(.minutes(5))) struct CommandLineTests {
    func parley(_ arguments: [String], dataDir: String) async throws -> ProcessRunner.Outcome {
        try await ProcessRunner.run(LoggingTests.binary.path, arguments + ["--data-dir", dataDir])
    }

    @Test func keysCreateListRevokeAndMigrate() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        #expect(try await parley(["migrate"], dataDir: directory.path).output.contains("migrations applied"))

        let created = try await parley(["keys", "create", "--owner", "team-x", "--scopes", "jobs:read"], dataDir: directory.path)
        #expect(created.status == 0)
        let parts = created.output.split(whereSeparator: \.isWhitespace).map(String.init)
        let (id, key) = (try #require(parts.first), try #require(parts.last))
        #expect(id.hasPrefix("key_") && key.hasPrefix("pk_"))

        let listed = try await parley(["keys", "list"], dataDir: directory.path)
        #expect(listed.output.contains("team-x") && listed.output.contains("jobs:read") && listed.output.contains("active"))
        #expect(!listed.output.contains(key), "secrets are never listed")

        #expect(try await parley(["keys", "revoke", id], dataDir: directory.path).status == 0)
        #expect(try await parley(["keys", "list"], dataDir: directory.path).output.contains("revoked"))
        #expect(try await parley(["keys", "revoke", id], dataDir: directory.path).status != 0, "a revoked key cannot be revoked again")
        #expect(try await parley(["keys", "create", "--owner", "x", "--scopes", "root"], dataDir: directory.path).status != 0)

        var configuration = ParleyConfiguration(engine: EngineLocator.sidecar(root: LiveServer.repositoryRoot))
        configuration.dataDirectory = directory.path
        configuration.runWorker = false
        let server = try await ParleyServer.open(configuration, logger: TestLogger.make())
        #expect(try await server.keys.bootstrapAdmin(seed: nil) == nil, "keys exist, so no admin key is generated")
        await #expect(throws: (any Error).self) { try await server.keys.authenticate(key) }
        let actions = try await server.store.auditLog(limit: 10).map(\.action)
        #expect(actions.filter { $0 == "key.create" }.count == 1 && actions.contains("key.revoke"))
        try await server.backend.close()
    }
}
