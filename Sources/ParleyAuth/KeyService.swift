import ParleyCore
import ParleyStore

/// Creates, checks and revokes API keys over a `MetadataStore`.
public struct KeyService: Sendable {
    public let store: any MetadataStore
    /// Rate settings for keys created without their own.
    public let defaultRate: RateSettings

    public init(store: any MetadataStore, defaultRate: RateSettings) {
        self.store = store
        self.defaultRate = defaultRate
    }

    /// Creates a key and returns its record and the plaintext, which is never stored.
    /// - Parameter seed: an operator-chosen key to use instead of a random one.
    public func create(
        owner: String, scopes: Set<Scope>, rate: RateSettings? = nil, quotas: Quotas = Quotas(), seed: String? = nil,
        actorKeyId: String? = nil, requestId: String? = nil
    ) async throws -> (record: APIKeyRecord, key: String) {
        guard !scopes.isEmpty else { throw ParleyError.invalidValue("scopes", "at least one scope is required") }
        let key: String
        if let seed {
            guard seed.count >= APIKeyCodec.minimumSeedLength else {
                throw ParleyError.invalidValue("admin_key", "a seeded key needs at least \(APIKeyCodec.minimumSeedLength) characters")
            }
            key = seed
        } else {
            key = APIKeyCodec.generate().key
        }
        let record = APIKeyRecord(
            id: Identifier.make("key", length: 16), prefix: APIKeyCodec.prefix(of: key),
            secretHash: APIKeyCodec.hash(key), owner: owner, scopes: scopes,
            rate: rate ?? defaultRate, quotas: quotas, createdAt: .now())
        try await store.createKey(
            record, audit: AuditEntry(keyId: actorKeyId, action: "key.create", target: record.id, requestId: requestId))
        return (record, key)
    }

    /// The live key that `presented` matches; throws `unauthorized` otherwise.
    public func authenticate(_ presented: String) async throws -> APIKeyRecord {
        guard !presented.isEmpty, presented.utf8.count <= 512,
              let record = try await store.key(prefix: APIKeyCodec.prefix(of: presented)),
              record.revokedAt == nil,
              APIKeyCodec.constantTimeEquals(record.secretHash, APIKeyCodec.hash(presented))
        else { throw ParleyError.unauthorized }
        return record
    }

    /// Seeds the first admin key when the store has none. Returns the plaintext of a
    /// generated key (to print once), or nil when keys existed or the seed was used.
    public func bootstrapAdmin(seed: String?) async throws -> String? {
        guard try await store.countKeys() == 0 else { return nil }
        do {
            let created = try await create(owner: "admin", scopes: [.admin], seed: seed)
            return seed == nil ? created.key : nil
        } catch {
            // Another API process sharing the store may have seeded it first.
            if try await store.countKeys() > 0 { return nil }
            throw error
        }
    }
}
