import HTTPTypes
import Hummingbird
import ParleyAuth
import ParleyCore
import ParleyLimits

/// Authenticates `Authorization: Bearer <key>` (or `X-API-Key`) on every route
/// but the public ones; routes then check scopes with `context.require(_:)`.
/// A bearer JWT is verified only after its client address draws from `verifications`, so
/// a flood of forged tokens costs a 429, not a signature check each.
public struct AuthMiddleware: RouterMiddleware {
    public typealias Context = ParleyContext

    let keys: KeyService
    let limiter: any RateLimiter
    /// Token verifications a client address may ask for.
    let verifications: RateSettings
    /// Paths served without a key.
    let publicPaths: Set<String>
    /// Path prefixes served without a key: signed blob URLs carry their own authorization.
    let publicPrefixes: [String]

    public init(
        keys: KeyService, limiter: any RateLimiter, verifications: RateSettings,
        publicPaths: Set<String> = ["/v1/health", "/v1/ready", "/metrics", "/openapi.json", "/docs"],
        publicPrefixes: [String] = ["/v1/blobs/"]
    ) {
        self.keys = keys
        self.limiter = limiter
        self.verifications = verifications
        self.publicPaths = publicPaths
        self.publicPrefixes = publicPrefixes
    }

    public func handle(_ request: Request, context: ParleyContext, next: (Request, ParleyContext) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if publicPaths.contains(path) || publicPrefixes.contains(where: path.hasPrefix) { return try await next(request, context) }
        guard let presented = Self.presentedKey(request.headers) else { throw ParleyError.unauthorized }
        if keys.jwt != nil, JWTAuthenticator.looksLikeToken(presented) {
            let decision = try await limiter.acquire(
                key: "verify:\(context.remoteAddress ?? "unknown")", rule: RateRule(verifications), cost: 1)
            guard decision.allowed else {
                return JSONResponse.error(.rateLimited(retryAfter: decision.retryAfterSeconds),
                                          headers: [.retryAfter: "\(decision.retryAfterSeconds)"])
            }
        }
        var context = context
        let key = try await keys.authenticate(presented)
        context.key = key
        context.logger[metadataKey: "key_id"] = .string(key.id)
        return try await next(request, context)
    }

    static func presentedKey(_ headers: HTTPFields) -> String? {
        if let authorization = headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return String(parts[1]).trimmingCharacters(in: .whitespaces)
        }
        return headers[HTTPField.Name("X-API-Key")!]
    }
}
