import Foundation
import NIOCore
import NIOFoundationCompat
import Testing
@testable import ParleyBlobs

@Suite(.timeLimit(.minutes(5))) struct LocalBlobStoreTests {
    @Test func putGetReplaceDelete() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try LocalBlobStore(root: dir.url)
        try await store.put("results/job_1/item.json", data: Data("one".utf8))
        #expect(try await store.get("results/job_1/item.json") == Data("one".utf8))
        try await store.put("results/job_1/item.json", data: Data("two".utf8))
        #expect(try await store.get("results/job_1/item.json") == Data("two".utf8))
        try await store.delete("results/job_1/item.json")
        #expect(try await store.get("results/job_1/item.json") == nil)
        try await store.delete("results/job_1/item.json")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.appendingPathComponent("results/job_1").path)
        #expect(leftovers.isEmpty, "no temporary files remain")
    }

    @Test(arguments: ["", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "a/", "a\\b", "a b", "ä", "a/..", ".."])
    func keysThatCouldEscapeAreRefused(key: String) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try LocalBlobStore(root: dir.url)
        await #expect(throws: InvalidBlobKey.self) { try await store.put(key, data: Data("x".utf8)) }
        await #expect(throws: InvalidBlobKey.self) { _ = try await store.get(key) }
    }

    @Test func streamsInAndOutAndStopsAtTheLimit() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try LocalBlobStore(root: dir.url)
        let data = Data((0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let size = try await store.put("uploads/k/u", chunks: ByteChunks(ByteBuffer(data: data), size: 4_096), limit: data.count)
        #expect(size == data.count)
        #expect(try await store.size("uploads/k/u") == data.count)
        var read = Data()
        var chunks = 0
        #expect(try await store.read("uploads/k/u") { read.append(contentsOf: $0.readableBytesView); chunks += 1 })
        #expect(read == data && chunks > 1, "read back in \(chunks) chunks")

        await #expect(throws: BlobTooLarge.self) {
            _ = try await store.put("uploads/k/v", chunks: ByteChunks(ByteBuffer(data: data), size: 4_096), limit: data.count - 1)
        }
        #expect(try await store.size("uploads/k/v") == nil)
        #expect(try await store.read("uploads/k/v") { _ in } == false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.appendingPathComponent("uploads/k").path) == ["u"],
                "a refused stream leaves no file behind")
    }

    @Test func dotsInsideNamesAreFine() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.cleanup() }
        let store = try LocalBlobStore(root: dir.url)
        try await store.put("a/b.c..d/e-f_g.json", data: Data("x".utf8))
        #expect(try await store.get("a/b.c..d/e-f_g.json") != nil)
    }
}
