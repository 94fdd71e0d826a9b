import Foundation
import Glibc

/// A secret kept in a file that every process on the machine shares (the local blob store's
/// URL-signing key): made once, atomically, readable by the owner only.
public enum SecretFile {
    /// Why a secret file cannot be used.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The secret in `file`; when there is none, `bytes` random bytes are written to a private
    /// temporary file that is then linked into place, so of several processes starting at once
    /// exactly one secret wins and every process reads that one, never a partial file. A file
    /// that others may read, or that is too short, is refused rather than used or replaced.
    public static func load(_ file: URL, bytes: Int = 32) throws -> Data {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let existing = try existing(file, bytes: bytes) { return existing }
        var generator = SystemRandomNumberGenerator()
        let secret = Data((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
        let temporary = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).\(getpid()).\(UInt64.random(in: 0...UInt64.max, using: &generator))")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(description: "cannot create \(temporary.path): \(String(cString: strerror(errno)))") }
        defer { unlink(temporary.path) }
        let written = secret.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written == bytes, synced else { throw Failure(description: "cannot write \(temporary.path)") }
        if link(temporary.path, file.path) == 0 { return secret }
        guard errno == EEXIST, let winner = try existing(file, bytes: bytes) else {
            throw Failure(description: "cannot create \(file.path): \(String(cString: strerror(errno)))")
        }
        return winner  // another process made it first
    }

    private static func existing(_ file: URL, bytes: Int) throws -> Data? {
        var status = stat()
        guard stat(file.path, &status) == 0 else { return nil }
        guard status.st_mode & 0o077 == 0 else {
            throw Failure(description: "\(file.path) may be read by other users (mode \(String(status.st_mode & 0o777, radix: 8))); run chmod 600 on it")
        }
        let data = try Data(contentsOf: file)
        guard data.count >= bytes else {
            throw Failure(description: "\(file.path) holds \(data.count) bytes, fewer than \(bytes); remove it to make a new one (signed URLs then change)")
        }
        return data
    }
}
