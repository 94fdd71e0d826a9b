import Foundation

/// Blobs as files under one root directory.
///
/// Writes go to a temporary file in the same directory, then `rename(2)` over the
/// target, so readers see the old blob or the new one, never a torn write.
public struct LocalBlobStore: BlobStore {
    /// The directory that holds every blob.
    public let root: URL

    /// Creates the store, making the root directory if needed.
    public init(root: URL) throws {
        self.root = root.standardizedFileURL
        try FileManager.default.createDirectory(at: self.root, withIntermediateDirectories: true)
    }

    public func put(_ key: String, data: Data) async throws {
        let target = try path(for: key)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = target.deletingLastPathComponent()
            .appendingPathComponent(".tmp-\(UUID().uuidString)-\(target.lastPathComponent)")
        do {
            try data.write(to: temporary)
            guard rename(temporary.path, target.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: target.path])
            }
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

    /// Local files have no URL of their own; clients fetch results through the API.
    public func presignedURL(_ key: String, expires: Int) throws -> String? { nil }

    public func delete(_ key: String) async throws {
        let target = try path(for: key)
        if FileManager.default.fileExists(atPath: target.path) {
            try FileManager.default.removeItem(at: target)
        }
    }

    /// The file for `key`, which must validate and stay under the root.
    func path(for key: String) throws -> URL {
        try BlobKey.validate(key)
        let target = root.appendingPathComponent(key).standardizedFileURL
        guard target.path.hasPrefix(root.path + "/") else { throw InvalidBlobKey(key: key) }
        return target
    }
}
