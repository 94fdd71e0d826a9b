import Foundation
import JWTKit
import Testing
import ParleyCore
@testable import ParleyAuth
@testable import ParleyServer

/// Bearer JWTs beside API keys: HS256 with a shared secret, ES256 from a JWKS file.
@Suite(.timeLimit(.minutes(5))) struct JWTTests {
    static let secret = "a-shared-secret-of-at-least-32-bytes-for-hs256"
    static let issuer = "https://idp.test"

    static func claims(
        sub: String = "alice", expiresIn: TimeInterval = 300, issuer: String = issuer, audience: String = "parley",
        scope: String = "jobs:read jobs:write"
    ) -> ParleyClaims {
        ParleyClaims(
            sub: .init(value: sub), exp: .init(value: Date().addingTimeInterval(expiresIn)), nbf: nil,
            iss: .init(value: issuer), aud: .init(value: [audience]), scope: scope)
    }

    static func hs256(_ claims: ParleyClaims, secret: String = secret) async throws -> String {
        try await JWTKeyCollection().add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256).sign(claims)
    }

    @Test func onlyAValidTokenIsAccepted() async throws {
        let ecKey = ES256PrivateKey()
        let point = try #require(ecKey.publicKey.parameters)
        let jwks = #"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256", "use": "sig", "x": "\#(point.x)", "y": "\#(point.y)"}]}"#
        var settings = JWTSettings(hmacSecret: Self.secret, jwksJSON: jwks, issuer: Self.issuer, audience: "parley")
        settings.leeway = 60
        try await LiveServer.with(worker: false, configure: { $0.jwt = settings }) { server in
            let good = try await Self.hs256(Self.claims())
            let usage = try await server.get("/v1/usage", key: good)
            #expect(usage.status == 200, "\(usage.text)")
            let created = try await server.post("/v1/jobs", json: ["job_type": "nmt", "items": [["id": "a", "text": "hi", "tgt_lng": "pt"]]], key: good)
            #expect(created.status == 202, "\(created.text)")
            let listed = try await server.get("/v1/jobs", key: good).json["data"] as? [[String: Any]]
            #expect(listed?.count == 1, "the subject sees its own job")
            let adminJobs = try await server.get("/v1/jobs", key: LiveServer.adminKey).json["data"] as? [[String: Any]]
            #expect(adminJobs?.isEmpty == true, "and no one else does")
            #expect(try await server.get("/v1/webhooks/secret", key: good).status == 200)

            let signer = await JWTKeyCollection().add(ecdsa: ecKey, kid: "k1")
            let es256 = try await signer.sign(Self.claims(sub: "bob"), kid: "k1")
            #expect(try await server.get("/v1/usage", key: es256).status == 200, "ES256 through the JWKS")
            let withinLeeway = try await Self.hs256(Self.claims(expiresIn: -30))
            #expect(try await server.get("/v1/usage", key: withinLeeway).status == 200, "30 s past exp is within the leeway")

            let header = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64URL
            let body = try JSONEncoder().encode(Self.claims()).base64URL
            let refused: [(String, String)] = [
                (try await Self.hs256(Self.claims(), secret: "another-secret-of-at-least-32-bytes-long!!"), "a wrong key"),
                (try await Self.hs256(Self.claims(expiresIn: -120)), "expired"),
                (try await Self.hs256(Self.claims(audience: "someone-else")), "a wrong audience"),
                (try await Self.hs256(Self.claims(issuer: "https://evil.test")), "a wrong issuer"),
                ("\(header).\(body).", "alg none"),
                (String(good.dropLast(2)), "a broken signature"),
            ]
            for (token, what) in refused {
                let response = try await server.get("/v1/usage", key: token)
                #expect(response.status == 401 && response.errorCode == "unauthorized", "\(what): \(response.text)")
            }

            let readOnly = try await Self.hs256(Self.claims(sub: "carol", scope: "jobs:read"))
            let forbidden = try await server.post("/v1/jobs", json: ["job_type": "nmt", "items": [["id": "a", "text": "hi", "tgt_lng": "pt"]]], key: readOnly)
            #expect(forbidden.status == 403, "scopes come from the token: \(forbidden.text)")

            // A token with none of Parley's scopes is refused, and no key row is made for it.
            let keysBefore = try await server.server.store.countKeys()
            for scope in ["", "openid profile"] {
                let none = try await Self.hs256(Self.claims(sub: "dave", scope: scope))
                let refused = try await server.get("/v1/usage", key: none)
                #expect(refused.status == 403 && refused.errorCode == "forbidden", "scope '\(scope)': \(refused.text)")
            }
            #expect(try await server.server.store.countKeys() == keysBefore, "no row for a token without scopes")
        }
    }

    /// Forged tokens from one address are refused before their signatures are checked, once the
    /// address has used its verifications; API keys are not drawn from that bucket.
    @Test func tokenVerificationsAreRateLimitedPerAddress() async throws {
        try await LiveServer.with(worker: false, configure: {
            $0.jwt = JWTSettings(hmacSecret: Self.secret, issuer: Self.issuer, audience: "parley")
            $0.api.tokenVerifications = RateSettings(perMinute: 1, burst: 3)
        }) { server in
            let forged = try await Self.hs256(Self.claims(), secret: "another-secret-of-at-least-32-bytes-long!!")
            var statuses: [Int] = []
            for _ in 0..<5 { statuses.append(try await server.get("/v1/usage", key: forged).status) }
            #expect(statuses == [401, 401, 401, 429, 429], "\(statuses)")
            let limited = try await server.get("/v1/usage", key: try await Self.hs256(Self.claims()))
            #expect(limited.status == 429 && limited.headers["retry-after"] != nil, "a valid token waits its turn too")
            #expect(try await server.get("/v1/usage", key: LiveServer.adminKey).status == 200, "API keys are not limited here")
        }
    }
}

extension Data {
    /// Base64url without padding, as JWTs use.
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
