import Foundation
import ParleyCore

/// A job request that passed validation, with base64 audio decoded.
struct ValidatedJob {
    enum Input {
        case audio(Data)
        case url(String)
        /// A file the same key streamed to `POST /v1/uploads`.
        case upload(String)
        case text(String)
    }

    struct Item {
        var clientId: String
        var input: Input
        var srcLng: String?
        var tgtLng: String?
        /// The item's decoding choices (word timings, diarization, task…); nil for the defaults.
        var options: ItemOptions?
    }

    var type: JobType
    var priority: Int
    var options: JobOptions
    var items: [Item]
    /// `delete_after_seconds`: when the job's content is purged after it ends; nil takes the server's retention.
    var retentionSeconds: Int?
}

/// Checks a `CreateJobRequest` against the API's rules and limits; pure.
struct JobValidator {
    let configuration: APIConfiguration

    /// Takes the request over, so that each item's base64 string is released as soon as
    /// its audio is decoded (a body never lives as text and as audio whole at once).
    func validate(_ request: consuming CreateJobRequest) throws -> ValidatedJob {
        guard let rawType = request.jobType else { throw ParleyError.missingField("job_type") }
        guard let type = JobType(rawValue: rawType) else {
            throw ParleyError.invalidValue("job_type", "job_type must be one of asr, nmt, asr+nmt")
        }
        let priority = request.priority ?? 0
        guard (0...9).contains(priority) else { throw ParleyError.invalidValue("priority", "priority must be 0 to 9") }
        let defaultSrc = try language(request.defaultSrcLng, param: "default_src_lng")
        let defaultTgt = try language(request.defaultTgtLng, param: "default_tgt_lng")
        guard var items = request.items.take() else { throw ParleyError.missingField("items") }
        guard !items.isEmpty else { throw ParleyError.invalidValue("items", "items must hold at least one item") }
        guard items.count <= configuration.maxItems else {
            throw ParleyError(code: "too_many_items", message: "a job holds at most \(configuration.maxItems) items", param: "items")
        }
        if let seconds = request.deleteAfterSeconds, !(0...Self.maxRetentionSeconds).contains(seconds) {
            throw ParleyError.invalidValue("delete_after_seconds", "delete_after_seconds must be 0 to \(Self.maxRetentionSeconds) (10 years)")
        }
        let speakers = SpeakerChoice(
            diarize: request.diarize, num: request.numSpeakers, min: request.minSpeakers, max: request.maxSpeakers)
        try speakers.check(prefix: "", takesAudio: type.takesAudio)
        let words = request.wordTimestamps == true && type.takesAudio
        var seen = Set<String>()
        var validated: [ValidatedJob.Item] = []
        for index in items.indices {
            let param = "items[\(index)]"
            var value = try validate(items[index], param: param, type: type, defaultSrc: defaultSrc, defaultTgt: defaultTgt)
            let own = SpeakerChoice(
                diarize: items[index].diarize, num: items[index].numSpeakers, min: items[index].minSpeakers,
                max: items[index].maxSpeakers
            ).over(speakers)
            try own.check(prefix: "\(param).", takesAudio: type.takesAudio)
            value.options = own.itemOptions(wordTimestamps: words)
            items[index].base64 = nil
            guard seen.insert(value.clientId).inserted else {
                throw ParleyError(code: "duplicate_item_id", message: "item id '\(value.clientId)' appears twice", param: "\(param).id")
            }
            validated.append(value)
        }
        return ValidatedJob(
            type: type, priority: priority,
            options: JobOptions(defaultSrcLng: defaultSrc, defaultTgtLng: defaultTgt, webhook: try webhook(request)),
            items: validated,
            retentionSeconds: request.deleteAfterSeconds)
    }

    /// The longest `delete_after_seconds`: ten years.
    static let maxRetentionSeconds = 10 * 365 * 24 * 3_600

    /// Headers a webhook's auth header may not replace: Parley sets them.
    static let reservedHeaders: Set<String> = [
        "content-type", "content-length", "host", "user-agent", "parley-signature", "parley-delivery", "transfer-encoding",
    ]

    private func webhook(_ request: CreateJobRequest) throws -> WebhookTarget? {
        guard let url = request.webhookURL else {
            if request.webhookAuthHeaderName != nil || request.webhookAuthHeaderValue != nil {
                throw ParleyError.invalidValue("webhook_url", "webhook_auth_header_name and _value need a webhook_url")
            }
            return nil
        }
        try Self.requireHTTP(url, param: "webhook_url")
        let name = request.webhookAuthHeaderName
        let value = request.webhookAuthHeaderValue
        guard (name == nil) == (value == nil) else {
            throw ParleyError.invalidValue(
                name == nil ? "webhook_auth_header_name" : "webhook_auth_header_value",
                "webhook_auth_header_name and webhook_auth_header_value go together")
        }
        if let name {
            guard (1...128).contains(name.count), name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }),
                  !Self.reservedHeaders.contains(name.lowercased())
            else { throw ParleyError.invalidValue("webhook_auth_header_name", "webhook_auth_header_name must be a header name Parley does not set itself") }
        }
        if let value {
            guard value.count <= 4_096, value.allSatisfy({ $0.isASCII && !$0.isNewline && $0 != "\0" }) else {
                throw ParleyError.invalidValue("webhook_auth_header_value", "webhook_auth_header_value must be printable ASCII, at most 4096 characters")
            }
        }
        return WebhookTarget(url: url, authHeaderName: name, authHeaderValue: value)
    }

    private func validate(
        _ item: CreateJobRequest.Item, param: String, type: JobType, defaultSrc: String?, defaultTgt: String?
    ) throws -> ValidatedJob.Item {
        guard let id = item.id else { throw ParleyError.missingField("\(param).id") }
        guard (1...128).contains(id.count), id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            throw ParleyError.invalidValue("\(param).id", "an item id is 1 to 128 characters of letters, digits, '-', '_' and '.'")
        }
        let src = try language(item.srcLng, param: "\(param).src_lng") ?? defaultSrc
        let tgt = try language(item.tgtLng, param: "\(param).tgt_lng") ?? defaultTgt
        if type != .asr && tgt == nil { throw ParleyError.missingField("\(param).tgt_lng") }
        return ValidatedJob.Item(clientId: id, input: try input(item, param: param, type: type), srcLng: src, tgtLng: tgt)
    }

    private func input(_ item: CreateJobRequest.Item, param: String, type: JobType) throws -> ValidatedJob.Input {
        let given = [
            item.audioURL.map { _ in "audio_url" }, item.base64.map { _ in "base64" }, item.uploadId.map { _ in "upload_id" },
            item.text.map { _ in "text" },
        ].compactMap { $0 }
        let allowed = type.takesAudio ? "exactly one of audio_url, base64 or upload_id" : "text"
        guard given.count == 1, type.takesAudio != (given[0] == "text") else {
            throw ParleyError(code: "invalid_input", message: "an item of a \(type.rawValue) job needs \(allowed)", param: param)
        }
        if let text = item.text {
            // Scalars and UTF-8 bytes first: they are cheap, and a text no longer in bytes than
            // the limit is within it in characters too.
            guard text.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
                throw ParleyError.invalidValue("\(param).text", "text must not be empty")
            }
            guard text.utf8.count <= configuration.maxTextCharacters || text.count <= configuration.maxTextCharacters else {
                throw ParleyError(code: "input_too_large", message: "text exceeds \(configuration.maxTextCharacters) characters",
                                  param: "\(param).text", status: 413)
            }
            return .text(text)
        }
        if let url = item.audioURL {
            try Self.requireHTTP(url, param: "\(param).audio_url")
            return .url(url)
        }
        if let upload = item.uploadId {
            guard upload.hasPrefix("upl_"), upload.count <= 64, upload.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            else { throw ParleyError.invalidValue("\(param).upload_id", "upload_id must be an id from POST /v1/uploads") }
            return .upload(upload)
        }
        let encoded = item.base64 ?? ""
        guard encoded.utf8.count / 4 * 3 <= configuration.maxItemBytes + 3 else {
            throw ParleyError(code: "input_too_large", message: "the audio exceeds \(configuration.maxItemBytes) bytes",
                              param: "\(param).base64", status: 413)
        }
        guard let data = Data(base64Encoded: encoded, options: .ignoreUnknownCharacters), !data.isEmpty,
              encoded.utf8.allSatisfy(Self.isBase64Byte)
        else { throw ParleyError(code: "invalid_base64", message: "base64 is not valid base64 audio", param: "\(param).base64") }
        return .audio(data)
    }

    /// A byte of the base64 alphabet, padding, or a line break.
    static func isBase64Byte(_ byte: UInt8) -> Bool {
        switch byte {
        case 65...90, 97...122, 48...57, 43, 47, 61, 13, 10: true
        default: false
        }
    }

    /// An http or https URL with a host, at most 2,048 characters.
    static func requireHTTP(_ url: String, param: String) throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme),
              parsed.host?.isEmpty == false, url.count <= 2048
        else { throw ParleyError.invalidValue(param, "\(param.split(separator: ".").last ?? "") must be an http or https URL") }
    }

    private func language(_ raw: String?, param: String) throws -> String? {
        guard let raw else { return nil }
        guard let code = LanguageCode.normalize(raw) else { throw ParleyError.unknownLanguage(param, raw) }
        return code
    }
}
