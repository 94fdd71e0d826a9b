import Foundation
import Glibc
import NIOCore
import NIOFoundationCompat

/// Blobs as files under one root directory.
///
/// Writes go to a temporary file in the same directory, then `rename(2)` over the
/// target, so readers see the old blob or the new one, never a torn write.
public struct LocalBlobStore: BlobStore {
    /// The directory that holds every blob.
    public let root: URL
    /// Signs the time-limited URLs the API serves blobs under; nil makes none.
    public let signer: BlobURLSigner?

    /// Creates the store, making the root directory if needed.
    public init(root: URL, signer: BlobURLSigner? = nil) throws {
        self.root = root.standardizedFileURL
        self.signer = signer
        try FileManager.default.createDirectory(at: self.root, withIntermediateDirectories: true)
    }

    public func put(_ key: String, data: Data) async throws {
        try await replace(key) { handle in try handle.write(contentsOf: data) }
    }

    public func put(_ key: String, chunks: some AsyncSequence<ByteBuffer, any Error> & Sendable, limit: Int) async throws -> Int {
        try await replace(key) { handle in
            var size = 0
            for try await chunk in chunks {
                size += chunk.readableBytes
                guard size <= limit else { throw BlobTooLarge(limit: limit) }
                try handle.write(contentsOf: chunk.readableBytesView)
            }
            return size
        }
    }

    /// What `statvfs` says unprivileged writers may still use on the root's file system.
    public func freeBytes() throws -> Int? {
        var status = statvfs()
        guard statvfs(root.path, &status) == 0 else { return nil }
        return Int(status.f_bavail) * Int(status.f_frsize)
    }

    public func size(_ key: String) async throws -> Int? {
        let target = try path(for: key)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: target.path) else { return nil }
        return (attributes[.size] as? NSNumber)?.intValue
    }

    public func read(_ key: String, into consume: (ByteBuffer) async throws -> Void) async throws -> Bool {
        let target = try path(for: key)
        guard let handle = FileHandle(forReadingAtPath: target.path) else { return false }
        defer { try? handle.close() }
        while let data = try handle.read(upToCount: Self.chunkSize), !data.isEmpty {
            try await consume(ByteBuffer(data: data))
        }
        return true
    }

    /// Bytes read from a file per chunk.
    static let chunkSize = 256 * 1024

    /// Writes a temporary file next to the target through `write`, then renames it over the target.
    private func replace<T>(_ key: String, write: (FileHandle) async throws -> T) async throws -> T {
        let target = try path(for: key)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = target.deletingLastPathComponent()
            .appendingPathComponent(".tmp-\(UUID().uuidString)-\(target.lastPathComponent)")
        do {
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil),
                  let handle = FileHandle(forWritingAtPath: temporary.path) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary.path])
            }
            let value: T
            do {
                value = try await write(handle)
                try handle.close()
            } catch {
                try? handle.close()
                throw error
            }
            guard rename(temporary.path, target.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path])
            }
            return value
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    public func get(_ key: String) async throws -> Data? {
        let target = try path(for: key)
        guard FileManager.default.fileExists(atPath: target.path) else { return nil }
        return try Data(contentsOf: target)
    }

    /// A path on the API (`/v1/blobs/...`) signed with an expiry, when the store has a signer.
    public func presignedURL(_ key: String, expires: Int) throws -> String? {
        _ = try path(for: key)
        return signer?.url(for: key, expires: Int(Date().timeIntervalSince1970) + expires)
    }

    public func delete(_ key: String) async throws {
        let target = try path(for: key)
        if FileManager.default.fileExists(atPath: target.path) {
            try FileManager.default.removeItem(at: target)
        }
    }

    public func delete(prefix: String) async throws -> Int {
        guard prefix.hasSuffix("/") else { throw InvalidBlobKey(key: prefix) }
        let folder = try path(for: String(prefix.dropLast()))
        guard FileManager.default.fileExists(atPath: folder.path) else { return 0 }
        let count = FileManager.default.enumerator(atPath: folder.path)?.allObjects.count ?? 0
        try FileManager.default.removeItem(at: folder)
        return count
    }

    /// The file for `key`, which must validate and stay under the root.
    func path(for key: String) throws -> URL {
        try BlobKey.validate(key)
        let target = root.appendingPathComponent(key).standardizedFileURL
        guard target.path.hasPrefix(root.path + "/") else { throw InvalidBlobKey(key: key) }
        return target
    }
}
