/// Random, URL-safe identifiers with a type prefix, such as `job_3f9c...`.
public enum Identifier {
    private static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz")

    /// A new identifier: `prefix_` followed by `length` random base-36 characters (about 5.2 bits each).
    public static func make(_ prefix: String, length: Int = 20) -> String {
        var generator = SystemRandomNumberGenerator()
        let body = (0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt32(alphabet.count)))] }
        return prefix + "_" + String(body)
    }
}
