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
