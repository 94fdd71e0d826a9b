/// Comparisons of secrets that take the same time wherever the inputs first differ, so timing
/// reveals nothing of a secret but its length. Pure.
public enum ConstantTime {
    /// Whether two strings are equal, byte for byte.
    public static func equals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8), b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
