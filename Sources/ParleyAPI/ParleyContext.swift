import HTTPTypes
import Hummingbird
import ParleyCore

/// Per-request state: the request id and, once authenticated, the caller's key.
public struct ParleyContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The id echoed in `X-Request-Id` and carried by every log line of the request.
    public var requestId: String
    /// The authenticated API key; nil on public routes.
    public var key: APIKeyRecord?
    public var remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestId = Identifier.make("req", length: 16)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The caller's key when it grants `scope`; otherwise 401 or 403.
    public func require(_ scope: Scope) throws -> APIKeyRecord {
        guard let key else { throw ParleyError.unauthorized }
        guard key.allows(scope) else { throw ParleyError.forbidden(scope: scope.rawValue) }
        return key
    }

    /// An audit entry for an action by the caller.
    func audit(_ action: String, target: String) -> AuditEntry {
        AuditEntry(keyId: key?.id, action: action, target: target, requestId: requestId, remoteAddress: remoteAddress)
    }
}
