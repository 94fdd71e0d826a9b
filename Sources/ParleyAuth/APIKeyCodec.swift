import Crypto
import Foundation
import ParleyCore

/// The form of API keys: `pk_<prefix>_<secret>`, hashed with SHA-256 for storage.
///
/// A seeded admin key may be any string of at least 32 characters; its lookup
/// prefix is then derived from its hash.
public enum APIKeyCodec {
    /// Minimum length of an operator-chosen admin key.
    public static let minimumSeedLength = 32

    /// A new random key and its lookup prefix.
    public static func generate() -> (key: String, prefix: String) {
        let prefix = randomToken(length: 12)
        return ("pk_\(prefix)_\(randomToken(length: 40))", prefix)
    }

    /// The lookup prefix of a presented key: the middle part of `pk_<prefix>_<secret>`,
    /// or a prefix derived from the hash for any other string.
    public static func prefix(of key: String) -> String {
        let parts = key.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        if parts.count == 3, parts[0] == "pk", !parts[1].isEmpty, !parts[2].isEmpty {
            return String(parts[1])
        }
        return "seed" + String(hash(key).prefix(12))
    }

    /// Hex SHA-256 of the whole key.
    public static func hash(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).hexString
    }

    static func randomToken(length: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] })
    }
}
