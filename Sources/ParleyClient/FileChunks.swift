import Foundation
import NIOCore
import NIOFoundationCompat

/// A file read as an async sequence of 1 MiB buffers, so uploads never hold a whole file.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer

    let url: URL

    init(_ url: URL) throws {
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw ClientError(status: 0, code: "unreadable", message: "\(url.path) cannot be read")
        }
        self.url = url
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle?

        mutating func next() async throws -> ByteBuffer? {
            guard let handle, let data = try handle.read(upToCount: 1 << 20), !data.isEmpty else {
                try handle?.close()
                return nil
            }
            return ByteBuffer(data: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: FileHandle(forReadingAtPath: url.path)) }
}
