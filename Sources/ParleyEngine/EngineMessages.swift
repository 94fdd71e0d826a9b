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

    var op: String
    var id: String
    var model: String?
    var path: String?
    var items: [Item]?
    var payloadLength: Int?

    enum CodingKeys: String, CodingKey {
        case op, id, model, path, items
        case payloadLength = "payload_length"
    }
}

/// An error as the engine reports it.
struct EngineErrorBody: Decodable {
    var code: String
    var message: String
    var retryable: Bool?

    var parleyError: ParleyError {
        switch code {
        case "invalid_audio": .invalidAudio(message)
        case "unsupported_language_pair":
            ParleyError(code: code, message: message, status: 422)
        default:
            ParleyError(code: code, message: message, status: retryable == true ? 503 : 422, retryable: retryable ?? false)
        }
    }
}

/// A response header from the engine.
struct EngineResponse: Decodable {
    struct ItemResponse: Decodable {
        var id: String
        var ok: Bool
        var result: ItemResult?
        var error: EngineErrorBody?
    }

    var id: String?
    var ok: Bool
    var error: EngineErrorBody?
    var results: [ItemResponse]?
    var models: [String]?
    var device: String?
}
