import Foundation
import HTTPTypes
import Hummingbird
import ParleyCore

extension JobsController {
    /// Every item's result or error. With `Accept: application/x-ndjson` it streams one JSON
    /// object per line, reading one result at a time, so huge jobs never sit in memory.
    @Sendable func results(_ request: Request, context: ParleyContext) async throws -> Response {
        let job = try await ownedJob(context)
        let items = try await store.items(jobId: job.id)
        if request.headers[.accept]?.contains("application/x-ndjson") == true {
            let controller = self
            let body = ResponseBody { writer in
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                for item in items {
                    var line = try encoder.encode(try await controller.resultView(item))
                    line.append(0x0A)
                    try await writer.write(ByteBuffer(bytes: line))
                }
                try await writer.finish(nil)
            }
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
        }
        var views: [ItemResultView] = []
        for item in items { views.append(try await resultView(item)) }
        return try JSONResponse.make(.ok, JobResultsView(jobId: job.id, status: job.status.rawValue, results: views))
    }

    func resultView(_ item: JobItem) async throws -> ItemResultView {
        var view = ItemResultView(id: item.clientId, status: item.status.rawValue)
        if item.status == .succeeded { view.result = try await loadResult(item) }
        if item.status == .failed, let code = item.errorCode {
            view.error = ItemErrorView(code: code, message: item.errorMessage ?? "")
        }
        return view
    }

    @Sendable func itemResult(_ request: Request, context: ParleyContext) async throws -> Response {
        let job = try await ownedJob(context)
        let itemId = try context.parameters.require("item_id")
        let formatText = request.uri.queryParameters.get("format") ?? "json"
        guard let format = SubtitleFormatter.Format(rawValue: formatText) else {
            throw ParleyError.invalidValue("format", "format must be one of json, verbose_json, text, srt, vtt, tsv")
        }
        guard let item = try await store.item(jobId: job.id, clientId: itemId) else {
            throw ParleyError.notFound("item \(itemId)")
        }
        guard item.status == .succeeded else {
            throw ParleyError(code: "result_unavailable", message: "item \(itemId) is \(item.status.rawValue); it has no result",
                              status: 409)
        }
        let result = try await loadResult(item)
        switch format {
        case .json: return try JSONResponse.make(.ok, result)
        case .text: return text(result.text + "\n", format)
        case .srt: return text(SubtitleFormatter.srt(result.segments), format)
        case .vtt: return text(SubtitleFormatter.vtt(result.segments), format)
        case .tsv: return text(SubtitleFormatter.tsv(result.segments), format)
        case .verboseJSON:
            let words = result.segments.contains { $0.words != nil }
            return try JSONResponse.make(.ok, VerboseTranscript(result, task: item.options?.task ?? "transcribe", words: words))
        }
    }

    private func text(_ body: String, _ format: SubtitleFormatter.Format) -> Response {
        JSONResponse.body(.ok, Data(body.utf8), contentType: format.contentType)
    }

    /// Streams the item's stored input audio (base64 or uploaded) back, chunk by chunk.
    @Sendable func itemAudio(_ request: Request, context: ParleyContext) async throws -> Response {
        let job = try await ownedJob(context)
        let itemId = try context.parameters.require("item_id")
        guard let item = try await store.item(jobId: job.id, clientId: itemId) else {
            throw ParleyError.notFound("item \(itemId)")
        }
        guard case .blob(let key) = item.input, let size = try await blobs.size(key) else {
            throw ParleyError.notFound("stored audio of item \(itemId)")
        }
        let blobs = self.blobs
        let body = ResponseBody(contentLength: size) { writer in
            guard try await blobs.read(key, into: { try await writer.write($0) }) else {
                throw ParleyError.storageError("the audio of item \(itemId) vanished while streaming")
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: body)
    }

    func loadResult(_ item: JobItem) async throws -> ItemResult {
        guard let ref = item.resultRef, let data = try await blobs.get(ref) else {
            throw ParleyError.storageError("the result of item \(item.clientId) is missing from storage")
        }
        return try JSONDecoder().decode(ItemResult.self, from: data)
    }
}
