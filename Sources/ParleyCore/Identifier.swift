/// Random, URL-safe identifiers with a type prefix, such as `job_3f9c...`.
public enum Identifier {
    private static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
    /// Base-36 digits one random 64-bit word yields.
    private static let digitsPerWord = 12
    /// 36^12, and the largest multiple of it a 64-bit word holds: a word below the bound gives
    /// 12 uniform digits; one above it is drawn again.
    private static let span: UInt64 = 4_738_381_338_321_616_896
    private static let bound: UInt64 = span * 3

    /// A new identifier: `prefix_` followed by `length` random base-36 characters (about 5.2 bits each).
    ///
    /// Twelve characters come from each 64-bit draw of the system's random source, not one:
    /// a job of a thousand items names a thousand items, and a draw per character was a tenth
    /// of the ingress's CPU.
    public static func make(_ prefix: String, length: Int = 20) -> String {
        var generator = SystemRandomNumberGenerator()
        var body: [UInt8] = []
        body.reserveCapacity(length + digitsPerWord)
        while body.count < length {
            var word: UInt64 = generator.next()
            guard word < bound else { continue }
            word %= span
            for _ in 0..<digitsPerWord {
                body.append(alphabet[Int(word % 36)])
                word /= 36
            }
        }
        return prefix + "_" + String(decoding: body[..<length], as: UTF8.self)
    }
}
