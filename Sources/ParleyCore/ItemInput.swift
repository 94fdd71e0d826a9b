/// Where an item's input lives; stored as one string column (`input_ref`).
public enum ItemInput: Sendable, Equatable {
    /// Audio uploaded with the job and kept in the blob store under this key.
    case blob(String)
    /// Audio the worker fetches from this http(s) URL.
    case url(String)
    /// Text to translate, kept inline.
    case text(String)

    /// The stored form: a scheme, a colon, then the value.
    public var reference: String {
        switch self {
        case .blob(let key): "blob:" + key
        case .url(let url): "url:" + url
        case .text(let text): "text:" + text
        }
    }

    /// The blob key, for an input kept in the blob store.
    public var blobKey: String? {
        if case .blob(let key) = self { key } else { nil }
    }

    /// Parses the stored form; nil for anything else.
    public init?(reference: String) {
        guard let colon = reference.firstIndex(of: ":") else { return nil }
        let value = String(reference[reference.index(after: colon)...])
        switch reference[..<colon] {
        case "blob": self = .blob(value)
        case "url": self = .url(value)
        case "text": self = .text(value)
        default: return nil
        }
    }
}
