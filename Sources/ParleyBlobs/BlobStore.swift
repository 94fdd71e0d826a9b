import Foundation
import NIOCore

/// Where inputs and results live: local files in the embedded mode, S3 in production.
///
/// Keys are relative paths of `[A-Za-z0-9._-]` segments joined by `/`.
public protocol BlobStore: Sendable {
    /// Stores `data` under `key`, replacing what was there, atomically.
    func put(_ key: String, data: Data) async throws
    /// The blob's bytes, or nil when there is none.
    func get(_ key: String) async throws -> Data?
    /// Stores what `chunks` yields under `key` without holding it all in memory (at most one
    /// multipart part), and returns its size. Past `limit` bytes it throws `BlobTooLarge` and
    /// stores nothing; a failed stream stores nothing either.
    func put(_ key: String, chunks: some AsyncSequence<ByteBuffer, any Error> & Sendable, limit: Int) async throws -> Int
    /// The blob's size in bytes, or nil when there is none.
    func size(_ key: String) async throws -> Int?
    /// Passes the blob to `consume` chunk by chunk; false when there is none.
    func read(_ key: String, into consume: (ByteBuffer) async throws -> Void) async throws -> Bool
    /// Removes the blob; removing a missing blob is not an error.
    func delete(_ key: String) async throws
    /// Removes every blob whose key starts with `prefix` (a folder: it ends with `/`) and
    /// returns how many there were.
    func delete(prefix: String) async throws -> Int
    /// Bytes free for new blobs on the volume that holds them, or nil when the store has no
    /// volume of its own to fill (S3).
    func freeBytes() throws -> Int?
    /// A URL that fetches the blob straight from storage for `expires` seconds, or nil when
    /// the store cannot make one (local files).
    func presignedURL(_ key: String, expires: Int) throws -> String?
}

/// A streamed blob that grew past its limit.
public struct BlobTooLarge: Error, CustomStringConvertible {
    public let limit: Int
    public var description: String { "the blob is larger than \(limit) bytes" }
}

/// A key that could escape the store's root or is otherwise malformed.
public struct InvalidBlobKey: Error, CustomStringConvertible {
    public let key: String
    public var description: String { "invalid blob key '\(key)'" }
}
