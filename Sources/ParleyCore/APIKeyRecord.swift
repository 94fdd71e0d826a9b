/// What an API key may do.
public enum Scope: String, Sendable, Codable, CaseIterable, Comparable {
    case jobsWrite = "jobs:write"
    case jobsRead = "jobs:read"
    case admin

    public static func < (lhs: Scope, rhs: Scope) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Per-key request-rate settings: a token bucket refilled at `perMinute`, holding at most `burst`.
public struct RateSettings: Sendable, Codable, Equatable {
    public var perMinute: Int
    public var burst: Int

    public init(perMinute: Int, burst: Int) {
        self.perMinute = perMinute
        self.burst = burst
    }

    enum CodingKeys: String, CodingKey {
        case perMinute = "per_minute"
        case burst
    }
}

/// Per-key daily quotas beyond the request rate; nil means unlimited.
/// Usage is charged when items succeed; once a day's usage reaches a quota, new jobs get 429.
public struct Quotas: Sendable, Codable, Equatable {
    public var audioSecondsPerDay: Double?
    public var charactersPerDay: Int?

    public init(audioSecondsPerDay: Double? = nil, charactersPerDay: Int? = nil) {
        self.audioSecondsPerDay = audioSecondsPerDay
        self.charactersPerDay = charactersPerDay
    }

    /// The quota `usage` has reached, if any: `audio_seconds_per_day` or `characters_per_day`.
    public func exhausted(by usage: Usage) -> String? {
        if let limit = audioSecondsPerDay, usage.audioSeconds >= limit { return "audio_seconds_per_day" }
        if let limit = charactersPerDay, usage.characters >= limit { return "characters_per_day" }
        return nil
    }

    public var isLimited: Bool { audioSecondsPerDay != nil || charactersPerDay != nil }

    enum CodingKeys: String, CodingKey {
        case audioSecondsPerDay = "audio_seconds_per_day"
        case charactersPerDay = "characters_per_day"
    }
}

/// What a key's succeeded items used in one UTC day.
public struct Usage: Sendable, Codable, Equatable {
    public var audioSeconds: Double
    public var characters: Int

    public init(audioSeconds: Double = 0, characters: Int = 0) {
        self.audioSeconds = audioSeconds
        self.characters = characters
    }

    /// The UTC day `at` falls in, as `YYYY-MM-DD`: the key of daily usage.
    public static func day(_ at: Millis) -> String {
        String(at.iso8601.prefix(10))
    }

    enum CodingKeys: String, CodingKey {
        case audioSeconds = "audio_seconds"
        case characters
    }
}

/// A stored API key. Only the SHA-256 hash of the secret is kept.
public struct APIKeyRecord: Sendable, Equatable {
    public var id: String
    /// The public part of the key, used to find its row.
    public var prefix: String
    /// Hex SHA-256 of the whole presented key.
    public var secretHash: String
    public var owner: String
    public var scopes: Set<Scope>
    public var rate: RateSettings
    public var quotas: Quotas
    public var createdAt: Millis
    public var revokedAt: Millis?

    public init(
        id: String, prefix: String, secretHash: String, owner: String, scopes: Set<Scope>,
        rate: RateSettings, quotas: Quotas = Quotas(), createdAt: Millis, revokedAt: Millis? = nil
    ) {
        self.id = id
        self.prefix = prefix
        self.secretHash = secretHash
        self.owner = owner
        self.scopes = scopes
        self.rate = rate
        self.quotas = quotas
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Whether the key grants `scope`; `admin` grants every scope.
    public func allows(_ scope: Scope) -> Bool {
        scopes.contains(scope) || scopes.contains(.admin)
    }
}

/// One line of the audit log.
public struct AuditEntry: Sendable, Equatable {
    public var at: Millis
    public var keyId: String?
    public var action: String
    public var target: String
    public var requestId: String?
    public var remoteAddress: String?

    public init(
        at: Millis = .now(), keyId: String?, action: String, target: String,
        requestId: String? = nil, remoteAddress: String? = nil
    ) {
        self.at = at
        self.keyId = keyId
        self.action = action
        self.target = target
        self.requestId = requestId
        self.remoteAddress = remoteAddress
    }
}
