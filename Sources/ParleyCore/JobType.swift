/// What a job asks for: speech recognition, text translation, or both in sequence.
public enum JobType: String, Sendable, Codable, CaseIterable {
    case asr
    case nmt
    case asrNmt = "asr+nmt"

    /// Whether the job's items carry audio (otherwise text).
    public var takesAudio: Bool { self != .nmt }
}

/// The kind of input an item carries.
public enum ItemKind: String, Sendable, Codable {
    case audio
    case text
}
