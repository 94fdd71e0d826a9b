import ParleyCore
import ParleyStore

/// Creates, checks and revokes API keys over a `MetadataStore`.
public struct KeyService: Sendable {
    public let store: any MetadataStore
    /// Rate settings for keys created without their own.
    public let defaultRate: RateSettings
    /// Verifies bearer JWTs, when configured, beside API keys.
    public let jwt: JWTAuthenticator?

    public init(store: any MetadataStore, defaultRate: RateSettings, jwt: JWTAuthenticator? = nil) {
        self.store = store
        self.defaultRate = defaultRate
        self.jwt = jwt
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

    /// The live key that `presented` matches, or the subject of a valid JWT; throws `unauthorized` otherwise.
    public func authenticate(_ presented: String) async throws -> APIKeyRecord {
        if let jwt, JWTAuthenticator.looksLikeToken(presented), presented.utf8.count <= 16_384 {
            do {
                return try await subjectKey(try await jwt.subject(of: presented))
            } catch let error as ParleyError where error.status == 401 {
                // An operator-chosen admin key may contain dots: it is still a key.
                guard let record = try? await apiKey(presented) else { throw error }
                return record
            }
        }
        return try await apiKey(presented)
    }

    private func apiKey(_ presented: String) async throws -> APIKeyRecord {
        guard !presented.isEmpty, presented.utf8.count <= 512,
              let record = try await store.key(prefix: APIKeyCodec.prefix(of: presented)),
              record.revokedAt == nil,
              ConstantTime.equals(record.secretHash, APIKeyCodec.hash(presented))
        else { throw ParleyError.unauthorized }
        return record
    }

    /// A token subject as a key row, made on first sight, so its jobs, quotas, usage, rate
    /// bucket and webhook secret work as any key's; the token's scopes apply to this request.
    /// A token that grants none of Parley's scopes is refused before any row is made (a token
    /// the identity provider issued for another application creates nothing here).
    /// Revoking the row (`parley keys revoke jwt_...`) shuts the subject out.
    func subjectKey(_ subject: TokenSubject) async throws -> APIKeyRecord {
        guard !subject.scopes.isEmpty else {
            throw ParleyError(code: "forbidden", message: "the bearer token grants none of Parley's scopes", status: 403)
        }
        var record: APIKeyRecord
        if let existing = try await store.key(prefix: subject.id) {
            record = existing
        } else {
            let fresh = APIKeyRecord(
                id: subject.id, prefix: subject.id, secretHash: APIKeyCodec.hash(APIKeyCodec.generate().key), owner: subject.owner,
                scopes: subject.scopes, rate: defaultRate, createdAt: .now())
            do {
                try await store.createKey(fresh, audit: AuditEntry(keyId: nil, action: "subject.create", target: fresh.id))
                record = fresh
            } catch {
                // A concurrent first request of the same subject made the row.
                guard let existing = try await store.key(prefix: subject.id) else { throw error }
                record = existing
            }
        }
        guard record.revokedAt == nil else { throw ParleyError.unauthorized }
        record.scopes = subject.scopes
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
