import Foundation
import HTTPTypes
import Hummingbird
import ParleyCore
import ParleyStore

/// OpenAI-compatible synchronous speech endpoints: `POST /v1/audio/transcriptions` and
/// `POST /v1/audio/translations`. Each request becomes a one-item job at the synchronous
/// priority (`ClaimShare`), so it runs on the same workers and limits as batch work, ahead of
/// it but in at most half of each batch, and the answer waits for the job's end signal.
struct OpenAIAudioController {
    /// The id of the one item of a synchronous job.
    static let itemId = "file"

    let store: any MetadataStore
    let submitter: JobSubmitter
    let renderer: ResultRenderer
    /// The synchronous requests this process runs at once.
    let slots: AdmissionBudget
    var configuration: APIConfiguration { submitter.configuration }

    func register(on router: Router<ParleyContext>) {
        router.post("/v1/audio/transcriptions") { request, context in try await handle(request, context: context, task: "transcribe") }
        router.post("/v1/audio/translations") { request, context in try await handle(request, context: context, task: "translate") }
    }

    func handle(_ request: Request, context: ParleyContext, task: String) async throws -> Response {
        let key = try context.require(.jobsWrite)
        try await submitter.admit(key)
        guard slots.reserve(1) else {
            return JSONResponse.error(.serverBusy(
                "this server runs \(slots.capacity) synchronous requests at once; retry shortly, or use POST /v1/jobs"),
                headers: [.retryAfter: "1"])
        }
        defer { slots.release(1) }
        let body = try await RequestDecoding.buffer(request, limit: configuration.maxItemBytes + 1024 * 1024)
        let form = try MultipartForm.parse(body, contentType: request.headers[.contentType])
        let parsed = try OpenAIAudioRequest(form, task: task, maxBytes: configuration.maxItemBytes)
        let job = try await submitter.submit(
            ValidatedJob(
                type: .asr, priority: ClaimShare.synchronousPriority, options: JobOptions(),
                items: [.init(
                    clientId: Self.itemId, input: .audio(Data(buffer: parsed.audio)), srcLng: parsed.language, tgtLng: nil,
                    options: parsed.options)]),
            key: key, metricType: "sync", context: context
        ).job

        let finished = try await waitForItem(job: job, owner: key.id, context: context)
        guard finished.status == .succeeded else { throw Self.failure(finished) }
        let data = try ResultRenderer.render(
            try await renderer.load(finished), format: parsed.format, task: task,
            temperature: parsed.options.temperature ?? 0, json: .textOnly)
        return JSONResponse.body(.ok, data, contentType: parsed.format.contentType, headers: [HTTPField.Name("X-Parley-Job-Id")!: job.id])
    }

    /// Waits for the job's end signal, then reads its item; past `syncTimeout` the job is
    /// cancelled and the caller gets 504.
    private func waitForItem(job: Job, owner: String, context: ParleyContext) async throws -> JobItem {
        let ended = try await store.jobEnds.wait(for: job.id, until: .now + configuration.syncTimeout) {
            try await store.job(id: job.id, ownerKeyId: owner)?.status.isTerminal ?? true
        }
        if ended, let item = try await store.item(jobId: job.id, clientId: Self.itemId), item.status.isTerminal {
            return item
        }
        _ = try? await store.cancelJob(id: job.id, ownerKeyId: owner, audit: context.audit("job.cancel", target: job.id))
        throw ParleyError(
            code: "timeout", message: "the transcription did not finish within \(configuration.syncTimeout); use POST /v1/jobs for long audio",
            status: 504)
    }

    /// What a failed item means to the caller: its input's fault (400) or the service's (503).
    static func failure(_ item: JobItem) -> ParleyError {
        let code = item.errorCode ?? "transcription_failed"
        let message = item.errorMessage ?? "the item \(item.status.rawValue)"
        let clientFault = ["invalid_audio", "unsupported_language", "input_too_large", "input_too_long", "input_missing"].contains(code)
        return ParleyError(code: code, message: message, param: clientFault ? "file" : nil, status: clientFault ? 400 : 503)
    }
}
