import ParleyCore

/// A request header sent to the engine.
struct EngineRequest: Encodable {
    struct Item: Encodable {
        var id: String
        var offset: Int
        var length: Int
        var options: TranscriptionOptions
        var translateTo: String?

        enum CodingKeys: String, CodingKey {
            case id, offset, length, options
            case translateTo = "translate_to"
        }
    }

    /// A text item of a `translate` request.
    struct TextItem: Encodable {
        var id: String
        var texts: [String]
        var source: String?
        var target: String
    }

    var op: String
    var id: String
    var model: String?
    var path: String?
    var kind: String?
    var config: String?
    var items: [Item]?
    var textItems: [TextItem]?
    var payloadLength: Int?

    init(op: String, id: String, model: String? = nil, path: String? = nil, kind: String? = nil, config: String? = nil,
         items: [Item]? = nil, textItems: [TextItem]? = nil) {
        self.op = op
        self.id = id
        self.model = model
        self.path = path
        self.kind = kind
        self.config = config
        self.items = items
        self.textItems = textItems
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(op, forKey: .op)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(model, forKey: .model)
        try container.encodeIfPresent(path, forKey: .path)
        try container.encodeIfPresent(kind, forKey: .kind)
        try container.encodeIfPresent(config, forKey: .config)
        try container.encodeIfPresent(payloadLength, forKey: .payloadLength)
        if let items { try container.encode(items, forKey: .items) }
        if let textItems { try container.encode(textItems, forKey: .items) }
    }

    enum CodingKeys: String, CodingKey {
        case op, id, model, path, kind, config, items
        case payloadLength = "payload_length"
    }
}

/// An error as the engine reports it.
struct EngineErrorBody: Decodable, Sendable {
    var code: String
    var message: String
    var retryable: Bool?

    var parleyError: ParleyError {
        switch code {
        case "invalid_audio": .invalidAudio(message)
        default:
            ParleyError(code: code, message: message, status: retryable == true ? 503 : 422, retryable: retryable ?? false)
        }
    }
}

/// The envelope every response shares: the request id and, on failure, the error.
struct EngineStatus: Decodable {
    var id: String?
    var ok: Bool
    var error: EngineErrorBody?
}

/// The answer to `hello`.
struct EngineHello: Decodable {
    var device: String?
    var version: String?
    /// The protocol the engine speaks (`PROTOCOL_VERSION` in `engine/parley_engine`).
    var `protocol`: Int?

    /// Refuses an engine that speaks another protocol than `EngineFrame.protocolVersion` (an
    /// `engine/` directory from another checkout), with a message that says so, instead of
    /// misreading its frames later.
    func checkProtocol() throws {
        guard `protocol` == EngineFrame.protocolVersion else {
            throw ParleyError.engineUnavailable(
                "the engine at PARLEY_ENGINE_DIR speaks protocol \(`protocol`.map(String.init) ?? "none") (version \(version ?? "?")); "
                + "this parley speaks \(EngineFrame.protocolVersion): use the engine/ directory of the same checkout")
        }
    }
}

/// The answer to `load`: what the loaded model can do.
struct EngineLoadResponse: Decodable, Sendable {
    var languages: [String]?
    var pairs: [TranslationPairInfo]?
    /// Whether the translator asks an external service for any pair it lists no route for.
    var anyPair: Bool?

    enum CodingKeys: String, CodingKey {
        case languages, pairs
        case anyPair = "any_pair"
    }
}

/// The answer to a batch operation: one result or error per item.
/// Seconds the engine spent on one item, per stage.
struct ItemTimings: Decodable, Sendable {
    var decode: Double
    var infer: Double
}

struct EngineBatchResponse<Value: Decodable & Sendable>: Decodable, Sendable {
    struct ItemResponse: Decodable, Sendable {
        private struct TimingsHolder: Decodable {
            var timings: ItemTimings?
        }

        var id: String
        var ok: Bool
        var result: Value?
        var error: EngineErrorBody?
        /// Stage timings the engine reports inside a transcription result.
        var timings: ItemTimings?

        enum CodingKeys: String, CodingKey {
            case id, ok, result, error
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            id = try container.decode(String.self, forKey: .id)
            ok = try container.decode(Bool.self, forKey: .ok)
            result = try container.decodeIfPresent(Value.self, forKey: .result)
            error = try container.decodeIfPresent(EngineErrorBody.self, forKey: .error)
            timings = try container.decodeIfPresent(TimingsHolder.self, forKey: .result)?.timings
        }
    }

    var results: [ItemResponse]?
}
