import Crypto
import Foundation

/// Access keys for an S3-compatible store.
public struct S3Credentials: Sendable, Equatable {
    public var accessKey: String
    public var secretKey: String

    public init(accessKey: String, secretKey: String) {
        self.accessKey = accessKey
        self.secretKey = secretKey
    }
}

/// AWS Signature Version 4, as a pure value: no clock, no I/O.
///
/// The path given must already be URI-encoded as it goes on the wire; S3 signs it as is.
public struct SigV4Signer: Sendable {
    public let credentials: S3Credentials
    public let region: String
    public let service: String

    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The SHA-256 of an empty payload, hex-encoded.
    public static let emptyPayloadHash = SHA256.hash(data: Data()).hexString

    /// The headers that sign a request: `Authorization` and `X-Amz-Date` (the caller sends every
    /// header in `headers` too, `Host` and, for S3, `X-Amz-Content-SHA256` among them).
    public func sign(
        method: String, path: String, query: [(String, String)] = [], headers: [(String, String)],
        payloadHash: String, date: Date
    ) -> [(String, String)] {
        let amzDate = Self.amzDate(date)
        let all = headers + [("x-amz-date", amzDate)]
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(all)
        let request = [method, path, Self.canonicalQuery(query), canonicalHeaders, signedHeaders, payloadHash]
            .joined(separator: "\n")
        let signature = self.signature(canonicalRequest: request, amzDate: amzDate)
        let authorization = "AWS4-HMAC-SHA256 Credential=\(credentials.accessKey)/\(scope(amzDate)), "
            + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return [("Authorization", authorization), ("X-Amz-Date", amzDate)]
    }

    /// A presigned URL's query: anyone holding it may `method` the object until `expires` seconds after `date`.
    public func presignedQuery(method: String, host: String, path: String, expires: Int, date: Date) -> String {
        let amzDate = Self.amzDate(date)
        let query: [(String, String)] = [
            ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
            ("X-Amz-Credential", "\(credentials.accessKey)/\(scope(amzDate))"),
            ("X-Amz-Date", amzDate),
            ("X-Amz-Expires", String(expires)),
            ("X-Amz-SignedHeaders", "host"),
        ]
        let request = [method, path, Self.canonicalQuery(query), "host:\(host)\n", "host", "UNSIGNED-PAYLOAD"]
            .joined(separator: "\n")
        let signature = self.signature(canonicalRequest: request, amzDate: amzDate)
        return Self.canonicalQuery(query) + "&X-Amz-Signature=" + signature
    }

    func signature(canonicalRequest: String, amzDate: String) -> String {
        let stringToSign = ["AWS4-HMAC-SHA256", amzDate, scope(amzDate), SHA256.hash(data: Data(canonicalRequest.utf8)).hexString]
            .joined(separator: "\n")
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretKey)".utf8))
        for part in [String(amzDate.prefix(8)), region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key).hexString
    }

    func scope(_ amzDate: String) -> String {
        "\(amzDate.prefix(8))/\(region)/\(service)/aws4_request"
    }

    static func canonicalHeaders(_ headers: [(String, String)]) -> (String, String) {
        var merged: [String: [String]] = [:]
        for (name, value) in headers {
            let trimmed = value.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            merged[name.lowercased(), default: []].append(trimmed)
        }
        let names = merged.keys.sorted()
        let lines = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        return (lines, names.joined(separator: ";"))
    }

    static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(name: String, value: String)] = query.map { (uriEncode($0.0), uriEncode($0.1)) }
        let sorted = encoded.sorted { ($0.name, $0.value) < ($1.name, $1.value) }
        return sorted.map { pair in pair.name + "=" + pair.value }.joined(separator: "&")
    }

    /// RFC 3986 encoding: everything but unreserved characters; `/` too unless `keepSlash`.
    public static func uriEncode(_ text: String, keepSlash: Bool = false) -> String {
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if (byte < 0x80 && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)))
                || "-._~".unicodeScalars.contains(scalar) || (keepSlash && byte == UInt8(ascii: "/")) {
                out.unicodeScalars.append(scalar)
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static func amzDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!)
    }

}
