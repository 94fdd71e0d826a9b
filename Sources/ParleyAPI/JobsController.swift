import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import ParleyBlobs
import ParleyCore
import ParleyStore
import ParleyObservability

/// `/v1/jobs`: create, read, list and cancel jobs, and read their results.
struct JobsController {
    let store: any MetadataStore & WebhookReader
    let blobs: any BlobStore
    let signal: WorkSignal
    let configuration: APIConfiguration
    /// The model group whose workers serve audio items.
    let asrModel: String
    /// The model group whose workers serve text items.
    let translationModel: String

    /// A presigned download URL for a result, valid for an hour, when the blob store makes them.
    func presign(_ key: String) -> String? {
        try? blobs.presignedURL(key, expires: 3_600)
    }

    func register(on router: Router<ParleyContext>) {
        router.post("/v1/jobs", use: create)
        router.get("/v1/jobs", use: list)
        router.get("/v1/jobs/:job_id", use: show)
        router.post("/v1/jobs/:job_id/cancel", use: cancel)
        router.get("/v1/jobs/:job_id/results", use: results)
        router.get("/v1/jobs/:job_id/results.zip", use: resultsArchive)
        router.get("/v1/jobs/:job_id/items/:item_id/result", use: itemResult)
        router.get("/v1/jobs/:job_id/items/:item_id/audio", use: itemAudio)
    }

    @Sendable func create(_ request: Request, context: ParleyContext) async throws -> Response {
        let key = try context.require(.jobsWrite)
        try await Self.requireQuota(key, store: store)
        let idempotencyKey = try Self.idempotencyKey(request)
        let body = try await RequestDecoding.body(request, limit: configuration.maxBodyBytes)
        let validated = try JobValidator(configuration: configuration)
            .validate(try RequestDecoding.json(CreateJobRequest.self, from: body))
        let now = Millis.now()
        let job = Job(
            id: Identifier.make("job"), ownerKeyId: key.id, type: validated.type, priority: validated.priority,
            options: validated.options, idempotencyKey: idempotencyKey,
            requestHash: idempotencyKey.map { _ in Self.canonicalHash(body) },
            counts: .allQueued(validated.items.count), createdAt: now, updatedAt: now)
        var items: [JobItem] = []
        var written: [String] = []
        let stored: Job
        do {
            for (index, item) in validated.items.enumerated() {
                let id = Identifier.make("itm")
                let input: ItemInput
                switch item.input {
                case .audio(let data):
                    let blobKey = "inputs/\(job.id)/\(id)"
                    try await blobs.put(blobKey, data: data)
                    written.append(blobKey)
                    input = .blob(blobKey)
                case .url(let url): input = .url(url)
                case .upload(let upload):
                    let blobKey = UploadsController.blobKey(upload, owner: key.id)
                    guard try await blobs.size(blobKey) != nil else {
                        throw ParleyError(code: "upload_not_found", message: "upload \(upload) does not exist",
                                          param: "items[\(index)].upload_id", status: 400)
                    }
                    input = .blob(blobKey)
                case .text(let text): input = .text(text)
                }
                items.append(JobItem(
                    id: id, jobId: job.id, clientId: item.clientId, kind: job.type.takesAudio ? .audio : .text,
                    jobType: job.type, input: input, srcLng: item.srcLng, tgtLng: item.tgtLng, options: validated.itemOptions,
                    model: job.type.takesAudio ? asrModel : translationModel, priority: job.priority,
                    ownerKeyId: key.id, maxAttempts: configuration.maxAttempts, runAfter: now, createdAt: now))
            }
            stored = try await store.createJob(job, items: items, audit: context.audit("job.create", target: job.id))
        } catch {
            for blobKey in written { try? await blobs.delete(blobKey) }
            throw error
        }
        if stored.id != job.id {
            for blobKey in written { try? await blobs.delete(blobKey) }
            return try replay(stored, requestHash: job.requestHash)
        }
        signal.notify()
        Counter(label: MetricName.jobsCreated, dimensions: [("job_type", job.type.rawValue)]).increment()
        context.logger.info("job created", metadata: ["job_id": "\(job.id)", "items": "\(items.count)"])
        return try JSONResponse.make(
            .accepted, CreatedJobView(jobId: job.id, enqueuedTasks: items.count, status: job.status.rawValue, createdAt: job.createdAt.iso8601),
            headers: [.location: "/v1/jobs/\(job.id)"])
    }

    @Sendable func show(_ request: Request, context: ParleyContext) async throws -> Response {
        let job = try await ownedJob(context)
        let deliveries = job.options.webhook == nil ? nil : try await store.webhookDeliveries(jobId: job.id)
        return try JSONResponse.make(
            .ok, JobView(job, items: try await store.items(jobId: job.id), webhookDeliveries: deliveries, presign: presign))
    }

    /// Refuses new work with 429 `quota_exceeded` once the key has used up a daily quota.
    static func requireQuota(_ key: APIKeyRecord, store: any MetadataStore) async throws {
        if key.quotas.isLimited, let quota = key.quotas.exhausted(by: try await store.usage(keyId: key.id, day: Usage.day(.now()))) {
            throw ParleyError.quotaExceeded(quota)
        }
    }

    /// The `Idempotency-Key` header, if sent: 1 to 255 printable ASCII characters.
    static func idempotencyKey(_ request: Request) throws -> String? {
        guard let value = request.headers[HTTPField.Name("Idempotency-Key")!] else { return nil }
        guard (1...255).contains(value.count), value.allSatisfy({ $0.isASCII && !$0.isWhitespace || $0 == " " }) else {
            throw ParleyError.invalidValue("Idempotency-Key", "the Idempotency-Key header must be 1 to 255 printable ASCII characters")
        }
        return value
    }

    /// SHA-256 of the body's JSON with sorted keys, so a retry that orders keys differently
    /// still counts as the same request.
    static func canonicalHash(_ body: Data) -> String {
        let canonical = (try? JSONSerialization.jsonObject(with: body))
            .flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) } ?? body
        return SHA256.hash(data: canonical).hexString
    }

    /// The answer to a repeated `Idempotency-Key`: the original job for the same body, 409 for another.
    private func replay(_ original: Job, requestHash: String?) throws -> Response {
        guard original.requestHash == requestHash else {
            throw ParleyError(
                code: "idempotency_key_reused",
                message: "this Idempotency-Key was used with a different request body in the last 24 hours (job \(original.id))",
                param: "Idempotency-Key", status: 409)
        }
        return try JSONResponse.make(
            .accepted,
            CreatedJobView(jobId: original.id, enqueuedTasks: original.counts.total, status: original.status.rawValue,
                           createdAt: original.createdAt.iso8601),
            headers: [.location: "/v1/jobs/\(original.id)", HTTPField.Name("Idempotent-Replayed")!: "true"])
    }

    @Sendable func list(_ request: Request, context: ParleyContext) async throws -> Response {
        let key = try context.require(.jobsRead)
        let limitText = request.uri.queryParameters.get("limit")
        guard let limit = limitText.map({ Int($0) }) ?? 20, (1...100).contains(limit) else {
            throw ParleyError.invalidValue("limit", "limit must be an integer from 1 to 100")
        }
        let cursor = try request.uri.queryParameters.get("cursor").map(Self.decodeCursor)
        let jobs = try await store.listJobs(ownerKeyId: key.id, after: cursor, limit: limit)
        let next = jobs.count == limit ? jobs.last.map(Self.encodeCursor) : nil
        return try JSONResponse.make(.ok, JobListView(data: jobs.map { JobView($0) }, nextCursor: next))
    }

    @Sendable func cancel(_ request: Request, context: ParleyContext) async throws -> Response {
        let key = try context.require(.jobsWrite)
        let id = try context.parameters.require("job_id")
        guard let job = try await store.cancelJob(id: id, ownerKeyId: key.id, audit: context.audit("job.cancel", target: id)) else {
            throw ParleyError.notFound("job \(id)")
        }
        context.logger.info("job cancelled", metadata: ["job_id": "\(id)"])
        return try JSONResponse.make(.ok, JobView(job, items: try await store.items(jobId: job.id), presign: presign))
    }

    /// The job in the path, if the caller owns it; any other key gets 404.
    func ownedJob(_ context: ParleyContext) async throws -> Job {
        let key = try context.require(.jobsRead)
        let id = try context.parameters.require("job_id")
        guard let job = try await store.job(id: id, ownerKeyId: key.id) else { throw ParleyError.notFound("job \(id)") }
        return job
    }

    static func encodeCursor(_ job: Job) -> String {
        Data("\(job.createdAt).\(job.id)".utf8).base64EncodedString()
    }

    static func decodeCursor(_ text: String) throws -> JobCursor {
        guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8),
              let dot = decoded.firstIndex(of: "."), let createdAt = Millis(decoded[..<dot])
        else { throw ParleyError.invalidValue("cursor", "cursor is not one this server issued") }
        return JobCursor(createdAt: createdAt, id: String(decoded[decoded.index(after: dot)...]))
    }
}
