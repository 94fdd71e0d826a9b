import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import ParleyBlobs
import ParleyCore
import ParleyStore
import ParleyObservability

/// OpenAI-compatible synchronous speech endpoints: `POST /v1/audio/transcriptions` and
/// `POST /v1/audio/translations`. Each request becomes a one-item job at the top priority,
/// so it runs on the same workers and limits as batch work, and the answer waits for it.
struct OpenAIAudioController {
    /// Above every client priority (0–9): synchronous callers are waiting.
    static let priority = 10

    let store: any MetadataStore
    let blobs: any BlobStore
    let signal: WorkSignal
    let configuration: APIConfiguration
    let asrModel: String

    func register(on router: Router<ParleyContext>) {
        router.post("/v1/audio/transcriptions") { request, context in try await handle(request, context: context, task: "transcribe") }
        router.post("/v1/audio/translations") { request, context in try await handle(request, context: context, task: "translate") }
    }

    func handle(_ request: Request, context: ParleyContext, task: String) async throws -> Response {
        let key = try context.require(.jobsWrite)
        try await JobsController.requireQuota(key, store: store)
        let body = try await RequestDecoding.buffer(request, limit: configuration.maxItemBytes + 1024 * 1024)
        let form = try MultipartForm.parse(body, contentType: request.headers[.contentType])
        let parsed = try OpenAIAudioRequest(form, task: task, maxBytes: configuration.maxItemBytes)

        let now = Millis.now()
        let job = Job(
            id: Identifier.make("job"), ownerKeyId: key.id, type: .asr, priority: Self.priority, options: JobOptions(),
            counts: .allQueued(1), createdAt: now, updatedAt: now)
        let item = JobItem(
            id: Identifier.make("itm"), jobId: job.id, clientId: "file", kind: .audio, jobType: .asr,
            input: .blob("inputs/\(job.id)/file"), srcLng: parsed.language, tgtLng: nil, options: parsed.options,
            model: asrModel, priority: Self.priority, ownerKeyId: key.id, maxAttempts: configuration.maxAttempts,
            runAfter: now, createdAt: now)
        try await blobs.put("inputs/\(job.id)/file", data: Data(buffer: parsed.audio))
        do {
            _ = try await store.createJob(job, items: [item], audit: context.audit("job.create", target: job.id))
        } catch {
            try? await blobs.delete("inputs/\(job.id)/file")
            throw error
        }
        signal.notify()
        Counter(label: MetricName.jobsCreated, dimensions: [("job_type", "sync")]).increment()
        context.logger.info("synchronous transcription queued", metadata: ["job_id": "\(job.id)", "task": "\(task)"])

        let finished = try await waitForItem(job: job, owner: key.id, context: context)
        guard finished.status == .succeeded, let ref = finished.resultRef, let data = try await blobs.get(ref) else {
            throw Self.failure(finished)
        }
        let result = try JSONDecoder().decode(ItemResult.self, from: data)
        var response = try render(result, parsed, task: task)
        response.headers[HTTPField.Name("X-Parley-Job-Id")!] = job.id
        return response
    }

    /// Polls the item until it ends; past `syncTimeout` the job is cancelled and the caller gets 504.
    private func waitForItem(job: Job, owner: String, context: ParleyContext) async throws -> JobItem {
        let deadline = ContinuousClock.now + configuration.syncTimeout
        var interval = Duration.milliseconds(20)
        while ContinuousClock.now < deadline {
            if let item = try await store.item(jobId: job.id, clientId: "file"),
               [.succeeded, .failed, .cancelled].contains(item.status) {
                return item
            }
            try await Task.sleep(for: interval)
            interval = min(interval * 2, .milliseconds(250))
        }
        _ = try? await store.cancelJob(id: job.id, ownerKeyId: owner, audit: context.audit("job.cancel", target: job.id))
        throw ParleyError(
            code: "timeout", message: "the transcription did not finish within \(configuration.syncTimeout); use POST /v1/jobs for long audio",
            status: 504)
    }

    private func render(_ result: ItemResult, _ request: OpenAIAudioRequest, task: String) throws -> Response {
        switch request.format {
        case .json: return try JSONResponse.make(.ok, ["text": result.text])
        case .verboseJSON:
            return try JSONResponse.make(.ok, VerboseTranscript(
                result, task: task, temperature: request.options.temperature ?? 0, words: request.options.wordTimestamps == true))
        case .text: return text(result.text + "\n", .text)
        case .srt: return text(SubtitleFormatter.srt(result.segments), .srt)
        case .vtt: return text(SubtitleFormatter.vtt(result.segments), .vtt)
        case .tsv: return text(SubtitleFormatter.tsv(result.segments), .tsv)
        }
    }

    private func text(_ body: String, _ format: SubtitleFormatter.Format) -> Response {
        JSONResponse.body(.ok, Data(body.utf8), contentType: format.contentType)
    }

    /// What a failed item means to the caller: its input's fault (400) or the service's (503).
    static func failure(_ item: JobItem) -> ParleyError {
        let code = item.errorCode ?? "transcription_failed"
        let message = item.errorMessage ?? "the item \(item.status.rawValue)"
        let clientFault = ["invalid_audio", "unsupported_language", "input_too_large", "input_too_long", "input_missing"].contains(code)
        return ParleyError(code: code, message: message, param: clientFault ? "file" : nil, status: clientFault ? 400 : 503)
    }
}
