extension Sequence where Element == UInt8 {
    /// The bytes as lowercase hexadecimal, two digits each (digests, signatures).
    public var hexString: String {
        map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
    }
}
