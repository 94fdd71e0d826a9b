import Foundation
import Logging
import Metrics
import ParleyBlobs
import ParleyCore
import ParleyObservability
import ParleyStore

/// The one path that turns a checked request into a queued job, for every route that
/// creates jobs (`POST /v1/jobs`, the OpenAI-compatible endpoints): the quota check, the
/// inputs written to blobs, the items, the insert with its idempotency rule, the worker's
/// wake-up and the metric. What it writes is removed again when the job is not stored.
struct JobSubmitter: Sendable {
    /// A submitted job: newly queued, or the one an earlier request with the same
    /// `Idempotency-Key` and body created.
    struct Submitted {
        var job: Job
        var replayed: Bool
    }

    /// How a request names itself for `Idempotency-Key`: the key and the body's hash.
    struct Idempotency {
        var key: String
        var requestHash: String
    }

    let store: any MetadataStore
    /// Where uploads' probed durations are kept.
    let uploads: any UploadRecorder
    let blobs: any BlobStore
    let signal: WorkSignal
    let configuration: APIConfiguration
    /// The model group whose workers serve audio items.
    let asrModel: String
    /// The model group whose workers serve text items.
    let translationModel: String

    /// Refuses new work with 429 `quota_exceeded` once the key's charged and reserved usage
    /// reached a daily quota; routes call it before reading a body. The job's own need is
    /// reserved, or refused, with its insert (`MetadataStore.createJob`).
    func admit(_ key: APIKeyRecord) async throws {
        if key.quotas.isLimited,
           let refusal = key.quotas.refusal(of: QuotaNeed(), given: try await store.usage(keyId: key.id, day: Usage.day(.now()))) {
            throw ParleyError.quotaExceeded(refusal)
        }
    }

    /// Refuses with 507 `insufficient_storage`, before anything is written, while the blob
    /// volume has less free space than `minFreeBytes` (a local store only: S3 has no volume).
    func requireStorage() throws {
        guard configuration.minFreeBytes > 0, let free = try blobs.freeBytes(), free < configuration.minFreeBytes else { return }
        throw ParleyError.insufficientStorage(free: free, minimum: configuration.minFreeBytes)
    }

    /// Stores `request` as a job of `key`'s, its inline audio as blobs, and wakes the workers.
    /// - Parameters:
    ///   - metricType: the `job_type` label of the jobs-created counter.
    ///   - context: the request's logger and audit trail.
    func submit(
        _ request: ValidatedJob, key: APIKeyRecord, idempotency: Idempotency? = nil, metricType: String? = nil,
        context: ParleyContext
    ) async throws -> Submitted {
        if request.items.contains(where: { if case .audio = $0.input { true } else { false } }) { try requireStorage() }
        let now = Millis.now()
        let job = Job(
            id: Identifier.make("job"), ownerKeyId: key.id, type: request.type, priority: request.priority,
            options: request.options, idempotencyKey: idempotency?.key, requestHash: idempotency?.requestHash,
            counts: .allQueued(request.items.count), createdAt: now, updatedAt: now,
            retentionSeconds: request.retentionSeconds ?? configuration.retentionSeconds)
        var written: [String] = []
        let stored: Job
        do {
            let uploaded = try await uploads.uploadSeconds(blobKeys: request.items.compactMap {
                if case .upload(let upload) = $0.input { BlobKey.upload(upload, owner: key.id) } else { nil }
            })
            var items: [JobItem] = []
            for (index, item) in request.items.enumerated() {
                let id = Identifier.make("itm")
                let input = try await place(item.input, job: job.id, item: id, owner: key.id, param: "items[\(index)]", written: &written)
                items.append(JobItem(
                    id: id, jobId: job.id, clientId: item.clientId, kind: job.itemKind,
                    jobType: job.type, input: input, srcLng: item.srcLng, tgtLng: item.tgtLng, options: item.options,
                    model: job.type.takesAudio ? asrModel : translationModel, priority: job.priority,
                    ownerKeyId: key.id, maxAttempts: configuration.maxAttempts, runAfter: now,
                    quotaReserved: input.blobKey.flatMap { uploaded[$0] } ?? Self.reservation(of: item.input), createdAt: now))
            }
            stored = try await store.createJob(job, items: items, quotas: key.quotas, audit: context.audit("job.create", target: job.id))
        } catch {
            for blobKey in written { try? await blobs.delete(blobKey) }
            throw error
        }
        guard stored.id == job.id else {
            for blobKey in written { try? await blobs.delete(blobKey) }
            guard stored.requestHash == job.requestHash else {
                throw ParleyError(
                    code: "idempotency_key_reused",
                    message: "this Idempotency-Key was used with a different request body in the last 24 hours (job \(stored.id))",
                    param: "Idempotency-Key", status: 409)
            }
            return Submitted(job: stored, replayed: true)
        }
        signal.notify()
        Counter(label: MetricName.jobsCreated, dimensions: [("job_type", metricType ?? job.type.rawValue)]).increment()
        context.logger.info("job created", metadata: ["job_id": "\(job.id)", "items": "\(request.items.count)"])
        return Submitted(job: stored, replayed: false)
    }

    /// What an item reserves of its key's quota, as far as the request shows: the probed
    /// duration of inline audio, the characters of a text (an upload's probed duration is
    /// read from its record; audio by URL reserves when fetched).
    private static func reservation(of input: ValidatedJob.Input) -> Double {
        switch input {
        case .audio(let data): AudioDurationProbe.seconds(data) ?? 0
        case .text(let text): Double(QuotaNeed.characters(of: text))
        case .url, .upload: 0
        }
    }

    /// Where an item's input lives once stored: inline audio is written to its blob, an
    /// upload is checked to exist under the key, a URL or text is kept as given.
    private func place(
        _ input: ValidatedJob.Input, job jobId: String, item itemId: String, owner: String, param: String, written: inout [String]
    ) async throws -> ItemInput {
        switch input {
        case .audio(let data):
            let blobKey = BlobKey.input(job: jobId, item: itemId)
            try await blobs.put(blobKey, data: data)
            written.append(blobKey)
            return .blob(blobKey)
        case .url(let url):
            return .url(url)
        case .upload(let upload):
            let blobKey = BlobKey.upload(upload, owner: owner)
            guard try await blobs.size(blobKey) != nil else {
                throw ParleyError(code: "upload_not_found", message: "upload \(upload) does not exist", param: "\(param).upload_id", status: 400)
            }
            return .blob(blobKey)
        case .text(let text):
            return .text(text)
        }
    }
}
