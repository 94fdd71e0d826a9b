import Foundation
import ParleyBlobs
import ParleyCore

/// Reads items' stored results and writes them in the download formats: the one switch
/// over formats, for the job routes, the results archive and the OpenAI-compatible endpoints.
struct ResultRenderer: Sendable {
    /// What `json` means: Parley's whole result document, or OpenAI's `{"text": …}`.
    enum JSONShape: Sendable {
        case result
        case textOnly
    }

    let blobs: any BlobStore

    /// The stored result of a succeeded item.
    func load(_ item: JobItem) async throws -> ItemResult {
        guard let ref = item.resultRef, let data = try await blobs.get(ref) else {
            throw ParleyError.storageError("the result of item \(item.clientId) is missing from storage")
        }
        return try JSONDecoder().decode(ItemResult.self, from: data)
    }

    /// `result` in `format`. `verbose_json` lists words when the result has them; `rttm` and
    /// `diarized_json` need a diarized result.
    /// - Parameters:
    ///   - task: `transcribe` or `translate`, as the item asked (default transcribe).
    ///   - temperature: the sampling temperature the request asked for, reported by `verbose_json`.
    ///   - recording: the recording's name in RTTM (the item's id).
    static func render(
        _ result: ItemResult, format: SubtitleFormatter.Format, task: String?, temperature: Double = 0, json: JSONShape = .result,
        recording: String = "recording"
    ) throws -> Data {
        switch format {
        case .json:
            switch json {
            case .result: return try JSONResponse.encode(result)
            case .textOnly: return try JSONResponse.encode(["text": result.text])
            }
        case .text:
            // A diarized transcript reads as one labelled line per segment.
            if result.speakerTurns != nil { return Data(SubtitleFormatter.text(result.segments).utf8) }
            return Data((result.text + "\n").utf8)
        case .srt: return Data(SubtitleFormatter.srt(result.segments).utf8)
        case .vtt: return Data(SubtitleFormatter.vtt(result.segments).utf8)
        case .tsv: return Data(SubtitleFormatter.tsv(result.segments).utf8)
        case .rttm:
            return Data(RTTMFormatter.render(try turns(of: result, format: format), recording: recording).utf8)
        case .diarizedJSON:
            _ = try turns(of: result, format: format)
            return try JSONResponse.encode(DiarizedTranscript(result))
        case .verboseJSON:
            let words = result.segments.contains { $0.words != nil }
            return try JSONResponse.encode(VerboseTranscript(result, task: task ?? "transcribe", temperature: temperature, words: words))
        }
    }

    /// The speaker turns of a diarized result; 400 for one that was not diarized.
    static func turns(of result: ItemResult, format: SubtitleFormatter.Format) throws -> [SpeakerTurn] {
        guard let turns = result.speakerTurns else {
            throw ParleyError(
                code: "not_diarized", message: "format \(format.rawValue) needs a diarized item: submit it with \"diarize\": true",
                param: "format")
        }
        return turns
    }
}
