import Foundation
import ParleyBlobs
import ParleyCore

/// Loads an item's audio bytes from the blob store or its URL.
public struct InputLoader: Sendable {
    let blobs: any BlobStore
    let fetcher: AudioFetcher

    public init(blobs: any BlobStore, fetcher: AudioFetcher) {
        self.blobs = blobs
        self.fetcher = fetcher
    }

    public func audio(for item: JobItem) async throws -> Data {
        switch item.input {
        case .blob(let key):
            do {
                guard let data = try await blobs.get(key) else {
                    throw ParleyError(code: "input_missing", message: "the uploaded audio is gone from storage", status: 422)
                }
                return data
            } catch let error as ParleyError {
                throw error
            } catch {
                throw ParleyError.storageError("reading the uploaded audio failed")
            }
        case .url(let url):
            return try await fetcher.fetch(url)
        case .text:
            throw ParleyError.invalidValue("input", "a text item has no audio")
        }
    }
}
