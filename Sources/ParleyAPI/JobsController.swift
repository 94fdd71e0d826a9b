import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import ParleyBlobs
import ParleyCore
import ParleyStore

/// `/v1/jobs`: create, read, list, cancel and delete jobs, and read their results.
struct JobsController {
    let store: any MetadataStore & WebhookReader
    let blobs: any BlobStore
    let submitter: JobSubmitter
    var configuration: APIConfiguration { submitter.configuration }
    var renderer: ResultRenderer { ResultRenderer(blobs: blobs) }

    /// A presigned download URL for a result, valid for an hour, when the blob store makes them.
    func presign(_ key: String) -> String? {
        try? blobs.presignedURL(key, expires: 3_600)
    }

    func register(on router: Router<ParleyContext>) {
        router.post("/v1/jobs", use: create)
        router.get("/v1/jobs", use: list)
        router.get("/v1/jobs/:job_id", use: show)
        router.post("/v1/jobs/:job_id/cancel", use: cancel)
        router.delete("/v1/jobs/:job_id", use: delete)
        router.get("/v1/jobs/:job_id/results", use: results)
        router.get("/v1/jobs/:job_id/results.zip", use: resultsArchive)
        router.get("/v1/jobs/:job_id/items/:item_id/result", use: itemResult)
        router.get("/v1/jobs/:job_id/items/:item_id/audio", use: itemAudio)
    }

    @Sendable func create(_ request: Request, context: ParleyContext) async throws -> Response {
        let key = try context.require(.jobsWrite)
        try await submitter.admit(key)
        let idempotencyKey = try Self.idempotencyKey(request)
        // At most two copies of the body at once: the body and its decoded strings, then (the
        // body gone) the strings and the canonical form or the decoded audio, each string
        // dropped once its audio is decoded.
        let decoded = try await Self.decode(request, limit: configuration.maxBodyBytes)
        let idempotency = idempotencyKey.map { JobSubmitter.Idempotency(key: $0, requestHash: Self.canonicalHash(decoded)) }
        let validated = try JobValidator(configuration: configuration).validate(consume decoded)
        let submitted = try await submitter.submit(validated, key: key, idempotency: idempotency, context: context)
        let job = submitted.job
        var headers: HTTPFields = [.location: "/v1/jobs/\(job.id)"]
        if submitted.replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
        return try JSONResponse.make(
            .accepted,
            CreatedJobView(jobId: job.id, enqueuedTasks: job.counts.total, status: job.status.rawValue, createdAt: job.createdAt.iso8601),
            headers: headers)
    }

    @Sendable func show(_ request: Request, context: ParleyContext) async throws -> Response {
        let job = try await ownedJob(context)
        let deliveries = job.options.webhook == nil ? nil : try await store.webhookDeliveries(jobId: job.id)
        return try JSONResponse.make(
            .ok, JobView(job, items: try await store.items(jobId: job.id), webhookDeliveries: deliveries, presign: presign))
    }

    /// The `Idempotency-Key` header, if sent: 1 to 255 printable ASCII characters.
    static func idempotencyKey(_ request: Request) throws -> String? {
        guard let value = request.headers[HTTPField.Name("Idempotency-Key")!] else { return nil }
        guard (1...255).contains(value.count), value.allSatisfy({ $0.isASCII && !$0.isWhitespace || $0 == " " }) else {
            throw ParleyError.invalidValue("Idempotency-Key", "the Idempotency-Key header must be 1 to 255 printable ASCII characters")
        }
        return value
    }

    /// The request body, decoded; the body itself is released on return.
    private static func decode(_ request: Request, limit: Int) async throws -> CreateJobRequest {
        try RequestDecoding.json(CreateJobRequest.self, from: try await RequestDecoding.body(request, limit: limit))
    }

    /// SHA-256 of the request as decoded, encoded again with sorted keys: a retry that orders
    /// keys or spaces differently still counts as the same request.
    static func canonicalHash(_ request: CreateJobRequest) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return SHA256.hash(data: (try? encoder.encode(request)) ?? Data()).hexString
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

    /// What `DELETE /v1/jobs/{id}` answers.
    struct DeletedView: Encodable {
        var id: String
        var object = "job"
        var deleted = true
    }

    /// Cancels what still runs, hides the job from every route and deletes its blobs (inputs,
    /// results, the uploads it names) before answering, so no signed URL serves them; the
    /// janitor then removes its rows, keeping a tombstone, and anything a running item wrote
    /// late. Audited as `job.delete`.
    @Sendable func delete(_ request: Request, context: ParleyContext) async throws -> Response {
        let key = try context.require(.jobsWrite)
        let id = try context.parameters.require("job_id")
        guard try await store.deleteJob(id: id, ownerKeyId: key.id, audit: context.audit("job.delete", target: id)) != nil else {
            throw ParleyError.notFound("job \(id)")
        }
        let inputs = try await store.items(jobId: id).compactMap(\.input.blobKey)
        do {
            let deleted = try await blobs.deleteJobContent(jobId: id, inputKeys: inputs)
            context.logger.info("job deleted", metadata: ["job_id": "\(id)", "blobs": "\(deleted)"])
        } catch {
            // The janitor deletes them on its next pass.
            context.logger.error("deleting a job's blobs failed", metadata: ["job_id": "\(id)", "error": "\(error)"])
        }
        return try JSONResponse.make(.ok, DeletedView(id: id))
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
