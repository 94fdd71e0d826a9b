/// Blob keys: the one place that names where each kind of object lives in the blob store,
/// and the validation every implementation shares.
///
/// Inputs and results sit under their job (`inputs/<job>/`, `results/<job>/`), so a job's
/// objects can be found and deleted by prefix; uploads sit under the key that made them, so
/// no other key can name one.
public enum BlobKey {
    /// Checks that `key` is a relative path of safe segments with no `.` or `..`.
    public static func validate(_ key: String) throws {
        let segments = key.split(separator: "/", omittingEmptySubsequences: false)
        let safe = !key.isEmpty && key.utf8.count <= 512 && segments.allSatisfy { segment in
            !segment.isEmpty && segment != "." && segment != ".."
                && segment.unicodeScalars.allSatisfy { scalar in
                    scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                        || scalar == "." || scalar == "_" || scalar == "-")
                }
        }
        guard safe else { throw InvalidBlobKey(key: key) }
    }

    /// A job item's stored input audio (base64 in the job, or a synchronous request's file).
    public static func input(job jobId: String, item itemId: String) -> String {
        "inputs/\(jobId)/\(itemId)"
    }

    /// An uploaded file, under the key that streamed it.
    public static func upload(_ uploadId: String, owner keyId: String) -> String {
        "uploads/\(keyId)/\(uploadId)"
    }

    /// Where one attempt stores its result: a key of its own (attempt and worker), which only
    /// the lease-checked `finish` makes visible, so a worker that lost its lease can never
    /// overwrite the result of the attempt that replaced it.
    public static func result(job jobId: String, item itemId: String, attempt: Int, worker: String) -> String {
        "results/\(jobId)/\(itemId).\(attempt).\(worker).json"
    }

    /// The prefixes that hold every input and result object of a job.
    public static func jobPrefixes(_ jobId: String) -> [String] {
        ["inputs/\(jobId)/", "results/\(jobId)/"]
    }
}

extension BlobStore {
    /// Deletes every object of a job: all under its prefixes (inline inputs, every attempt's
    /// results) and the inputs it names elsewhere (uploads). Returns how many went.
    public func deleteJobContent(jobId: String, inputKeys: [String]) async throws -> Int {
        var deleted = 0
        for prefix in BlobKey.jobPrefixes(jobId) { deleted += try await delete(prefix: prefix) }
        let prefixes = BlobKey.jobPrefixes(jobId)
        for key in inputKeys where !prefixes.contains(where: key.hasPrefix) {
            try await delete(key)
            deleted += 1
        }
        return deleted
    }
}
