import Crypto
import Foundation
import JWTKit
import ParleyCore

/// What a verified bearer token grants: its subject and scopes.
public struct TokenSubject: Sendable, Equatable {
    /// A stable id for the subject (issuer and `sub`), safe in blob keys: `jwt_<hex>`.
    public var id: String
    /// The `sub` claim: the owner of the subject's jobs.
    public var owner: String
    /// Parley's scopes named in the `scope` claim (space-separated); others are ignored.
    public var scopes: Set<Scope>
}

/// How bearer JWTs are checked: HS256 with a shared secret and RS256/ES256 keys from a JWKS,
/// the issuer and audience when configured, and `exp` (required) and `nbf` with some leeway.
public struct JWTSettings: Sendable {
    public var hmacSecret: String?
    /// A JWKS document (`{"keys": [...]}`) of RSA or EC public keys.
    public var jwksJSON: String?
    public var issuer: String?
    public var audience: String?
    public var leeway: TimeInterval = 60

    public init(hmacSecret: String? = nil, jwksJSON: String? = nil, issuer: String? = nil, audience: String? = nil) {
        self.hmacSecret = hmacSecret
        self.jwksJSON = jwksJSON
        self.issuer = issuer
        self.audience = audience
    }
}

/// Verifies bearer JWTs with JWTKit. `alg: none` and algorithms without a configured key fail.
public struct JWTAuthenticator: Sendable {
    let keys: JWTKeyCollection
    let settings: JWTSettings

    public init(settings: JWTSettings) async throws {
        let keys = JWTKeyCollection()
        if let secret = settings.hmacSecret {
            guard secret.utf8.count >= 32 else { throw ParleyError.invalidValue("PARLEY_JWT_SECRET", "the JWT secret needs 32+ bytes") }
            await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        }
        if let jwks = settings.jwksJSON { try await keys.add(jwksJSON: jwks) }
        self.keys = keys
        self.settings = settings
    }

    /// Whether `presented` has a JWT's shape (three dot-separated parts), not an API key's.
    public static func looksLikeToken(_ presented: String) -> Bool {
        presented.split(separator: ".", omittingEmptySubsequences: false).count == 3
    }

    /// The subject of a valid token; `unauthorized` for anything else.
    public func subject(of token: String, now: Date = Date()) async throws -> TokenSubject {
        let claims: ParleyClaims
        do {
            claims = try await keys.verify(token, as: ParleyClaims.self, iteratingKeys: true)
            try claims.exp.verifyNotExpired(currentDate: now.addingTimeInterval(-settings.leeway))
            try claims.nbf?.verifyNotBefore(currentDate: now.addingTimeInterval(settings.leeway))
        } catch {
            throw ParleyError(code: "unauthorized", message: "the bearer token is invalid or expired", status: 401)
        }
        if let issuer = settings.issuer, claims.iss?.value != issuer {
            throw ParleyError(code: "unauthorized", message: "the bearer token's issuer is not accepted", status: 401)
        }
        if let audience = settings.audience, claims.aud?.value.contains(audience) != true {
            throw ParleyError(code: "unauthorized", message: "the bearer token is not meant for this audience", status: 401)
        }
        let subject = claims.sub.value
        guard !subject.isEmpty, subject.count <= 200 else {
            throw ParleyError(code: "unauthorized", message: "the bearer token has no usable subject", status: 401)
        }
        let digest = SHA256.hash(data: Data("\(claims.iss?.value ?? "")\n\(subject)".utf8)).hexString
        let scopes = Set((claims.scope ?? "").split(separator: " ").compactMap { Scope(rawValue: String($0)) })
        return TokenSubject(id: "jwt_" + digest.prefix(24), owner: subject, scopes: scopes)
    }
}

/// The claims Parley reads; `exp` is required.
struct ParleyClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var iss: IssuerClaim?
    var aud: AudienceClaim?
    var scope: String?

    /// Time and audience checks happen in `JWTAuthenticator`, with its leeway.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
