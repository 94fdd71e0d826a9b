/// Per-key daily quotas beyond the request rate; nil means unlimited.
///
/// Quotas are hard. A job reserves what it needs when it is accepted (audio seconds probed
/// from inline audio and uploads, characters of text) and is refused with 429
/// `quota_exceeded` when that would pass a quota; audio by URL, or audio whose container
/// hides its duration, is reserved when a worker has fetched it, and the item fails with
/// `quota_exceeded` instead of running when that would pass. Each item settles its reservation
/// when it ends (`QuotaSettlement`). Everything a job uses counts against the UTC day it was
/// accepted.
public struct Quotas: Sendable, Codable, Equatable {
    public var audioSecondsPerDay: Double?
    public var charactersPerDay: Int?

    public init(audioSecondsPerDay: Double? = nil, charactersPerDay: Int? = nil) {
        self.audioSecondsPerDay = audioSecondsPerDay
        self.charactersPerDay = charactersPerDay
    }

    /// Why `need` may not be reserved on a day that has `usage`, if it may not: a quota that
    /// charged plus reserved usage already reached refuses everything, even a need not known
    /// yet (zero); otherwise a need that would pass a quota is refused.
    public func refusal(of need: QuotaNeed, given usage: Usage) -> QuotaRefusal? {
        if let limit = audioSecondsPerDay {
            let used = usage.audioSeconds + usage.reservedAudioSeconds
            if used >= limit || used + need.audioSeconds > limit {
                return QuotaRefusal(quota: CodingKeys.audioSecondsPerDay.rawValue, need: need.audioSeconds, left: max(limit - used, 0))
            }
        }
        if let limit = charactersPerDay {
            let used = usage.characters + usage.reservedCharacters
            if used >= limit || used + need.characters > limit {
                return QuotaRefusal(quota: CodingKeys.charactersPerDay.rawValue, need: Double(need.characters), left: Double(max(limit - used, 0)))
            }
        }
        return nil
    }

    public var isLimited: Bool { audioSecondsPerDay != nil || charactersPerDay != nil }

    enum CodingKeys: String, CodingKey {
        case audioSecondsPerDay = "audio_seconds_per_day"
        case charactersPerDay = "characters_per_day"
    }
}

/// What a job, or one item, reserves of its key's daily quotas.
public struct QuotaNeed: Sendable, Equatable {
    public var audioSeconds: Double
    public var characters: Int

    public init(audioSeconds: Double = 0, characters: Int = 0) {
        self.audioSeconds = audioSeconds
        self.characters = characters
    }

    /// An item's reservation, kept in one number whose unit is its kind's: audio seconds for
    /// audio items, characters for text items.
    public init(kind: ItemKind, amount: Double) {
        self = kind == .audio ? QuotaNeed(audioSeconds: amount) : QuotaNeed(characters: Int(amount.rounded()))
    }

    /// The sum of the items' reservations.
    public init(items: [JobItem]) {
        self = items.reduce(into: QuotaNeed()) { need, item in
            let one = QuotaNeed(kind: item.kind, amount: item.quotaReserved)
            need.audioSeconds += one.audioSeconds
            need.characters += one.characters
        }
    }

    /// The characters a text reserves and is charged: its Unicode scalars.
    public static func characters(of text: String) -> Int { text.unicodeScalars.count }
}

/// A reservation refused: which quota, what was asked and what is left of it today.
public struct QuotaRefusal: Sendable, Equatable {
    public var quota: String
    public var need: Double
    public var left: Double
}

/// What a key used in one UTC day: charged by items that ended, reserved by items that have
/// not ended yet.
public struct Usage: Sendable, Codable, Equatable {
    public var audioSeconds: Double
    public var characters: Int
    public var reservedAudioSeconds: Double
    public var reservedCharacters: Int

    public init(audioSeconds: Double = 0, characters: Int = 0, reservedAudioSeconds: Double = 0, reservedCharacters: Int = 0) {
        self.audioSeconds = audioSeconds
        self.characters = characters
        self.reservedAudioSeconds = reservedAudioSeconds
        self.reservedCharacters = reservedCharacters
    }

    /// The UTC day `at` falls in, as `YYYY-MM-DD`: the key of daily usage.
    public static func day(_ at: Millis) -> String {
        String(at.iso8601.prefix(10))
    }

    enum CodingKeys: String, CodingKey {
        case audioSeconds = "audio_seconds"
        case characters
        case reservedAudioSeconds = "reserved_audio_seconds"
        case reservedCharacters = "reserved_characters"
    }
}

extension Job {
    /// The UTC day whose usage the job's items reserve and are charged to: the day it was
    /// accepted.
    public var quotaDay: String { Usage.day(createdAt) }
    /// The kind of the job's items: the unit their reservations are in.
    public var itemKind: ItemKind { type.takesAudio ? .audio : .text }
}
