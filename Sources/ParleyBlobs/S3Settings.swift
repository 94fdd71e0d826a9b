import Foundation
import ParleyCore

/// Where an S3-compatible bucket is and how to sign for it.
public struct S3Settings: Sendable, Equatable {
    /// `http(s)://host[:port]` of the service (MinIO, SeaweedFS, or AWS's regional endpoint).
    public var endpoint: URL
    public var bucket: String
    public var region: String
    public var credentials: S3Credentials
    /// Path-style (`endpoint/bucket/key`, MinIO's default) or virtual-host style (`bucket.endpoint/key`).
    public var pathStyle: Bool
    /// Uploads larger than this go up in parts.
    public var multipartThreshold: Int
    public var partSize: Int

    public init(
        endpoint: URL, bucket: String, region: String = "us-east-1", credentials: S3Credentials, pathStyle: Bool = true,
        multipartThreshold: Int = 16 * 1024 * 1024, partSize: Int = 8 * 1024 * 1024
    ) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.region = region
        self.credentials = credentials
        self.pathStyle = pathStyle
        self.multipartThreshold = multipartThreshold
        self.partSize = max(5 * 1024 * 1024, partSize)
    }

    /// Parses `s3://bucket?endpoint=http://host:9000&region=us-east-1&style=path|virtual`.
    public init(url string: String, credentials: S3Credentials) throws {
        guard let components = URLComponents(string: string), components.scheme == "s3",
              let bucket = components.host, !bucket.isEmpty else {
            throw ParleyError.invalidValue("blob_url", "an S3 blob URL looks like s3://bucket?endpoint=http://host:9000")
        }
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { $1 })
        let region = query["region"] ?? "us-east-1"
        guard let endpoint = URL(string: query["endpoint"] ?? "https://s3.\(region).amazonaws.com"),
              ["http", "https"].contains(endpoint.scheme ?? ""), endpoint.host != nil else {
            throw ParleyError.invalidValue("blob_url", "the S3 endpoint must be an http(s) URL")
        }
        let style = query["style"] ?? "path"
        guard ["path", "virtual"].contains(style) else {
            throw ParleyError.invalidValue("blob_url", "style must be path or virtual")
        }
        self.init(endpoint: endpoint, bucket: bucket, region: region, credentials: credentials, pathStyle: style == "path")
    }

    /// The host (with a non-default port) and the URI-encoded path of `key`.
    func location(of key: String?) -> (host: String, path: String, url: String) {
        let scheme = endpoint.scheme ?? "https"
        let defaultPort = scheme == "https" ? 443 : 80
        let port = endpoint.port.flatMap { $0 == defaultPort ? nil : ":\($0)" } ?? ""
        let baseHost = (endpoint.host ?? "") + port
        let encodedKey = key.map { "/" + SigV4Signer.uriEncode($0, keepSlash: true) } ?? "/"
        let host = pathStyle ? baseHost : "\(bucket).\(baseHost)"
        let path = pathStyle ? "/\(bucket)" + (key == nil ? "" : encodedKey) : encodedKey
        return (host, path, "\(scheme)://\(host)\(path)")
    }
}
