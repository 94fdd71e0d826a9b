import Foundation

/// A Sentry DSN, `https://<public key>@<host>[:port]/<project id>`, and where its envelopes go.
public struct SentryDSN: Sendable, Equatable {
    public var publicKey: String
    public var scheme: String
    public var host: String
    public var port: Int?
    public var project: String
    public var raw: String

    public init?(_ raw: String) {
        guard let url = URL(string: raw), let scheme = url.scheme, ["http", "https"].contains(scheme),
              let key = url.user, !key.isEmpty, let host = url.host, !host.isEmpty
        else { return nil }
        let project = url.path.split(separator: "/").last.map(String.init) ?? ""
        guard !project.isEmpty else { return nil }
        self.publicKey = key
        self.scheme = scheme
        self.host = host
        self.port = url.port
        self.project = project
        self.raw = raw
    }

    /// The envelope endpoint: `<scheme>://<host>[:port]/api/<project>/envelope/`.
    public var envelopeURL: String {
        "\(scheme)://\(host)\(port.map { ":\($0)" } ?? "")/api/\(project)/envelope/"
    }

    /// The `X-Sentry-Auth` header value.
    public var authHeader: String {
        "Sentry sentry_version=7, sentry_key=\(publicKey), sentry_client=parley/0.1"
    }
}
