/// Writes a ZIP archive entry by entry (stored, not compressed: subtitles are small and
/// this keeps memory at one entry), then its central directory. Pure.
public struct ZipArchive {
    private struct Written {
        var name: [UInt8]
        var crc: UInt32
        var size: UInt32
        var offset: UInt32
    }

    private var written: [Written] = []
    private var offset: UInt32 = 0
    /// MS-DOS time and date stamped on every entry.
    let dosTime: UInt16
    let dosDate: UInt16

    /// - Parameter modified: when the entries were made, as UTC seconds since 1970.
    public init(modified: Int64) {
        let days = modified / 86_400
        let seconds = Int(modified % 86_400)
        let (year, month, day) = Self.civil(days)
        dosTime = UInt16(seconds / 3_600) << 11 | UInt16(seconds / 60 % 60) << 5 | UInt16(seconds % 60 / 2)
        dosDate = UInt16(max(0, year - 1980)) << 9 | UInt16(month) << 5 | UInt16(day)
    }

    /// The bytes of one entry: its local header, then `data`.
    public mutating func entry(_ name: String, data: [UInt8]) -> [UInt8] {
        let nameBytes = Array(name.utf8)
        let record = Written(name: nameBytes, crc: Self.crc32(data), size: UInt32(data.count), offset: offset)
        var out: [UInt8] = []
        out += le32(0x0403_4B50) + le16(20) + le16(0x0800) + le16(0) + le16(dosTime) + le16(dosDate)
        out += le32(record.crc) + le32(record.size) + le32(record.size) + le16(UInt16(nameBytes.count)) + le16(0)
        out += nameBytes + data
        offset += UInt32(out.count)
        written.append(record)
        return out
    }

    /// The central directory and its end record, which close the archive.
    public func end() -> [UInt8] {
        var directory: [UInt8] = []
        for entry in written {
            directory += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0x0800) + le16(0) + le16(dosTime) + le16(dosDate)
            directory += le32(entry.crc) + le32(entry.size) + le32(entry.size) + le16(UInt16(entry.name.count))
            directory += le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(entry.offset) + entry.name
        }
        let count = UInt16(written.count)
        return directory + le32(0x0605_4B50) + le16(0) + le16(0) + le16(count) + le16(count)
            + le32(UInt32(directory.count)) + le32(offset) + le16(0)
    }

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
}
