import Foundation
import HTTPTypes
import Hummingbird
import ParleyCore

extension JobsController {
    /// Every item's result or error, streamed in either form, reading one result at a time,
    /// so a huge job never sits in memory: one JSON document (`job_id`, `results`, `status`),
    /// or with `Accept: application/x-ndjson` one JSON object per line.
    @Sendable func results(_ request: Request, context: ParleyContext) async throws -> Response {
        let job = try await ownedJob(context)
        let items = try await store.items(jobId: job.id)
        let lines = request.headers[.accept]?.contains("application/x-ndjson") == true
        let controller = self
        let body = ResponseBody { writer in
            if !lines {
                try await writer.write(ByteBuffer(bytes: Array(#"{"job_id":"#.utf8) + (try JSONResponse.encode(job.id)) + Array(#","results":["#.utf8)))
            }
            for (index, item) in items.enumerated() {
                var chunk = lines || index == 0 ? Data() : Data(",".utf8)
                chunk.append(try JSONResponse.encode(try await controller.resultView(item)))
                if lines { chunk.append(0x0A) }
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            if !lines {
                try await writer.write(ByteBuffer(bytes: Array(#"],"status":"#.utf8) + (try JSONResponse.encode(job.status.rawValue)) + Array("}".utf8)))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: lines ? "application/x-ndjson" : "application/json"], body: body)
    }

    func resultView(_ item: JobItem) async throws -> ItemResultView {
        var view = ItemResultView(id: item.clientId, status: item.status.rawValue)
        if item.status == .succeeded { view.result = try await renderer.load(item) }
        if item.status == .failed, let code = item.errorCode {
            view.error = ItemErrorView(code: code, message: item.errorMessage ?? "")
        }
        return view
    }

    @Sendable func itemResult(_ request: Request, context: ParleyContext) async throws -> Response {
        let job = try await ownedJob(context)
        let itemId = try context.parameters.require("item_id")
        let format = try Self.format(request, default: .json)
        guard let item = try await store.item(jobId: job.id, clientId: itemId) else {
            throw ParleyError.notFound("item \(itemId)")
        }
        guard item.status == .succeeded else {
            throw ParleyError(code: "result_unavailable", message: "item \(itemId) is \(item.status.rawValue); it has no result",
                              status: 409)
        }
        let body = try ResultRenderer.render(
            try await renderer.load(item), format: format, task: item.options?.task, recording: item.clientId)
        return JSONResponse.body(.ok, body, contentType: format.contentType)
    }

    /// The `format` query parameter, checked.
    static func format(_ request: Request, default fallback: SubtitleFormatter.Format) throws -> SubtitleFormatter.Format {
        let text = request.uri.queryParameters.get("format") ?? fallback.rawValue
        guard let format = SubtitleFormatter.Format(rawValue: text) else {
            throw ParleyError.invalidValue("format", "format must be one of \(SubtitleFormatter.Format.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return format
    }

    /// The archive entry that lists the items without a result.
    static let failuresEntry = "failed items.txt"

    /// `GET /v1/jobs/{id}/results.zip?format=srt`: every succeeded item's result as
    /// `<item>.<ext>`, and `failed items.txt` naming the items without one (or, for `rttm` and
    /// `diarized_json`, not diarized) (item ids hold no
    /// space, so no item's entry takes that name). Streamed entry by entry; ZIP64 when large.
    @Sendable func resultsArchive(_ request: Request, context: ParleyContext) async throws -> Response {
        let job = try await ownedJob(context)
        let format = try Self.format(request, default: .srt)
        let items = try await store.items(jobId: job.id)
        let controller = self
        let body = ResponseBody { writer in
            var archive = ZipArchive(modified: Millis.now() / 1_000)
            var failures: [String] = []
            for item in items {
                guard item.status == .succeeded else {
                    failures.append("\(item.clientId)\t\(item.status.rawValue)\t\(item.errorCode ?? "")\t\(item.errorMessage ?? "")")
                    continue
                }
                let data: Data
                do {
                    data = try ResultRenderer.render(
                        try await controller.renderer.load(item), format: format, task: item.options?.task, recording: item.clientId)
                } catch let error as ParleyError where error.code == "not_diarized" {
                    failures.append("\(item.clientId)\t\(item.status.rawValue)\t\(error.code)\t\(error.message)")
                    continue
                }
                try await writer.write(ByteBuffer(bytes: archive.entry("\(item.clientId).\(format.fileExtension)", data: Array(data))))
            }
            if !failures.isEmpty {
                let text = "item\tstatus\terror_code\terror_message\n" + failures.joined(separator: "\n") + "\n"
                try await writer.write(ByteBuffer(bytes: archive.entry(Self.failuresEntry, data: Array(text.utf8))))
            }
            try await writer.write(ByteBuffer(bytes: archive.end()))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [
            .contentType: "application/zip", .contentDisposition: "attachment; filename=\"\(job.id)-\(format.rawValue).zip\"",
        ], body: body)
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
        return JSONResponse.blob(key, size: size, from: blobs, contentType: "application/octet-stream")
    }
}
