/// Writes a ZIP archive entry by entry (stored, not compressed: subtitles are small and
/// this keeps memory at one entry), then its central directory. Past 4 GiB of entries or
/// 65,535 of them it writes ZIP64 records (what `unzip`, Python and every OS reader read), so
/// no size traps. Pure.
public struct ZipArchive {
    private struct Written {
        var name: [UInt8]
        var crc: UInt32
        var size: UInt64
        var offset: UInt64
    }

    /// The most a 32-bit field holds; a larger value goes in a ZIP64 field instead.
    static let max32: UInt64 = 0xFFFF_FFFF
    /// The most entries the classic end record counts.
    static let max16: UInt64 = 0xFFFF

    private var written: [Written] = []
    private var offset: UInt64 = 0
    /// MS-DOS time and date stamped on every entry.
    let dosTime: UInt16
    let dosDate: UInt16

    /// - Parameters:
    ///   - modified: when the entries were made, as UTC seconds since 1970.
    ///   - offset: where the archive starts in its file (0 but in tests of ZIP64 offsets,
    ///     which place it past 4 GiB in a sparse file).
    public init(modified: Int64, offset: UInt64 = 0) {
        self.offset = offset
        let days = modified / 86_400
        let seconds = Int(modified % 86_400)
        let (year, month, day) = Self.civil(days)
        dosTime = UInt16(seconds / 3_600) << 11 | UInt16(seconds / 60 % 60) << 5 | UInt16(seconds % 60 / 2)
        dosDate = UInt16(max(0, year - 1980)) << 9 | UInt16(month) << 5 | UInt16(day)
    }

    /// The bytes of one entry: its local header, then `data`.
    public mutating func entry(_ name: String, data: [UInt8]) -> [UInt8] {
        let nameBytes = Array(name.utf8)
        let record = Written(name: nameBytes, crc: Self.crc32(data), size: UInt64(data.count), offset: offset)
        let large = record.size >= Self.max32
        // A local header must carry both sizes in its ZIP64 field when either overflows.
        let extra = large ? le16(1) + le16(16) + le64(record.size) + le64(record.size) : []
        var out: [UInt8] = []
        out += le32(0x0403_4B50) + le16(large ? 45 : 20) + le16(0x0800) + le16(0) + le16(dosTime) + le16(dosDate)
        out += le32(record.crc) + le32(clamped(record.size)) + le32(clamped(record.size))
        out += le16(UInt16(nameBytes.count)) + le16(UInt16(extra.count)) + nameBytes + extra + data
        offset += UInt64(out.count)
        written.append(record)
        return out
    }

    /// The central directory and its end records, which close the archive.
    public func end() -> [UInt8] {
        var directory: [UInt8] = []
        for entry in written {
            var extra: [UInt8] = []
            if entry.size >= Self.max32 { extra += le64(entry.size) + le64(entry.size) }
            if entry.offset >= Self.max32 { extra += le64(entry.offset) }
            if !extra.isEmpty { extra = le16(1) + le16(UInt16(extra.count)) + extra }
            let version: UInt16 = extra.isEmpty ? 20 : 45
            directory += le32(0x0201_4B50) + le16(version) + le16(version) + le16(0x0800) + le16(0) + le16(dosTime) + le16(dosDate)
            directory += le32(entry.crc) + le32(clamped(entry.size)) + le32(clamped(entry.size)) + le16(UInt16(entry.name.count))
            directory += le16(UInt16(extra.count)) + le16(0) + le16(0) + le16(0) + le32(0) + le32(clamped(entry.offset))
            directory += entry.name + extra
        }
        let count = UInt64(written.count), size = UInt64(directory.count)
        var records: [UInt8] = []
        if count >= Self.max16 || size >= Self.max32 || offset >= Self.max32 {
            let zip64End = offset + size
            records += le32(0x0606_4B50) + le64(44) + le16(45) + le16(45) + le32(0) + le32(0)
            records += le64(count) + le64(count) + le64(size) + le64(offset)
            records += le32(0x0706_4B50) + le32(0) + le64(zip64End) + le32(1)
        }
        let shortCount = UInt16(min(count, Self.max16))
        return directory + records + le32(0x0605_4B50) + le16(0) + le16(0) + le16(shortCount) + le16(shortCount)
            + le32(clamped(size)) + le32(clamped(offset)) + le16(0)
    }

    /// A value for a 32-bit field: itself, or all ones when a ZIP64 field carries it.
    private func clamped(_ value: UInt64) -> UInt32 { UInt32(min(value, Self.max32)) }

    /// CRC-32 (IEEE 802.3), as ZIP stores it.
    public static func crc32(_ data: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    /// Year, month and day of a count of days since 1970-01-01 (Howard Hinnant's algorithm).
    static func civil(_ days: Int64) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (Int(yoe + era * 400 + (month <= 2 ? 1 : 0)), Int(month), Int(day))
    }

    private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
    private func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(value >> (8 * $0) & 0xFF) } }
    private func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(value >> (8 * $0) & 0xFF) } }
}
