import NIOCore

/// An async sequence that yields one buffer in slices of at most `size` bytes:
/// in-memory bytes handed to a streaming `BlobStore.put`.
public struct ByteChunks: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer
    public typealias Failure = any Error

    let buffer: ByteBuffer
    let size: Int

    public init(_ buffer: ByteBuffer, size: Int) {
        self.buffer = buffer
        self.size = Swift.max(1, size)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: ByteBuffer
        let size: Int

        public mutating func next() async throws -> ByteBuffer? {
            guard remaining.readableBytes > 0 else { return nil }
            return remaining.readSlice(length: Swift.min(size, remaining.readableBytes))
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: buffer, size: size) }
}
