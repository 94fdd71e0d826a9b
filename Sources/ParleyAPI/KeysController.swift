import HTTPTypes
import Hummingbird
import ParleyAuth
import ParleyCore

/// `POST /v1/auth/token`: an admin creates an API key; the secret is shown once.
struct KeysController {
    struct CreateKeyRequest: Decodable {
        var owner: String?
        var scopes: [String]?
        var ratePerMinute: Int?
        var burst: Int?
        var audioSecondsPerDay: Double?
        var charactersPerDay: Int?

        enum CodingKeys: String, CodingKey {
            case owner, scopes, burst
            case ratePerMinute = "rate_per_minute"
            case audioSecondsPerDay = "audio_seconds_per_day"
            case charactersPerDay = "characters_per_day"
        }
    }

    struct CreatedKeyView: Encodable {
        var id: String
        var key: String
        var prefix: String
        var owner: String
        var scopes: [String]
        var rate: RateSettings
        var quotas: Quotas
        var createdAt: String

        enum CodingKeys: String, CodingKey {
            case id, key, prefix, owner, scopes, rate, quotas
            case createdAt = "created_at"
        }
    }

    let keys: KeyService

    func register(on router: Router<ParleyContext>) {
        router.post("/v1/auth/token", use: create)
    }

    @Sendable func create(_ request: Request, context: ParleyContext) async throws -> Response {
        let admin = try context.require(.admin)
        let body = try RequestDecoding.json(CreateKeyRequest.self, from: try await RequestDecoding.body(request, limit: 64 * 1024))
        guard let owner = body.owner else { throw ParleyError.missingField("owner") }
        guard (1...200).contains(owner.count) else { throw ParleyError.invalidValue("owner", "owner must be 1 to 200 characters") }
        let rawScopes = body.scopes ?? [Scope.jobsWrite.rawValue, Scope.jobsRead.rawValue]
        var scopes = Set<Scope>()
        for (index, raw) in rawScopes.enumerated() {
            guard let scope = Scope(rawValue: raw) else {
                throw ParleyError.invalidValue("scopes[\(index)]", "scopes are jobs:write, jobs:read and admin")
            }
            scopes.insert(scope)
        }
        var rate = keys.defaultRate
        if let perMinute = body.ratePerMinute {
            guard (1...1_000_000).contains(perMinute) else { throw ParleyError.invalidValue("rate_per_minute", "rate_per_minute must be 1 to 1000000") }
            rate.perMinute = perMinute
        }
        if let burst = body.burst {
            guard (1...1_000_000).contains(burst) else { throw ParleyError.invalidValue("burst", "burst must be 1 to 1000000") }
            rate.burst = burst
        }
        if let value = body.audioSecondsPerDay, !(value > 0 && value.isFinite) {
            throw ParleyError.invalidValue("audio_seconds_per_day", "audio_seconds_per_day must be a positive number")
        }
        if let value = body.charactersPerDay, value <= 0 {
            throw ParleyError.invalidValue("characters_per_day", "characters_per_day must be a positive integer")
        }
        let quotas = Quotas(audioSecondsPerDay: body.audioSecondsPerDay, charactersPerDay: body.charactersPerDay)
        let (record, key) = try await keys.create(
            owner: owner, scopes: scopes, rate: rate, quotas: quotas, actorKeyId: admin.id, requestId: context.requestId)
        return try JSONResponse.make(.created, CreatedKeyView(
            id: record.id, key: key, prefix: record.prefix, owner: record.owner,
            scopes: record.scopes.sorted().map(\.rawValue), rate: record.rate, quotas: record.quotas,
            createdAt: record.createdAt.iso8601))
    }
}
