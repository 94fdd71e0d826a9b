/// The containers `AudioDurationProbe` reads, each from the few header fields that give its
/// duration.
enum WAVHeader {
    /// The `data` chunk's size over the `fmt ` chunk's byte rate (RF64: the `ds64` size); a
    /// streamed WAV that leaves the size open, or a truncated one, counts the bytes present.
    static func seconds(_ bytes: some AudioBytes) -> Double? {
        guard let riff = bytes.slice(0, 12), riff[8..<12].elementsEqual("WAVE".utf8) else { return nil }
        let rf64 = riff.starts(with: Array("RF64".utf8))
        var offset = 12
        var byteRate: UInt64?
        var rf64DataSize: UInt64?
        for _ in 0..<64 {
            guard let header = bytes.slice(offset, 8) else { return nil }
            let size = header.le(4, 4)
            let body = offset + 8
            switch String(decoding: header[0..<4], as: UTF8.self) {
            case "ds64":
                guard let ds64 = bytes.slice(body, 16) else { return nil }
                rf64DataSize = ds64.le(8, 8)
            case "fmt ":
                guard let format = bytes.slice(body, 16) else { return nil }
                byteRate = format.le(8, 4)
            case "data":
                guard let byteRate, byteRate > 0 else { return nil }
                var dataSize = rf64 && size == 0xFFFF_FFFF ? (rf64DataSize ?? 0) : size
                let present = UInt64(max(bytes.size - body, 0))
                if dataSize == 0 || dataSize == 0xFFFF_FFFF || dataSize > present { dataSize = present }
                return Double(dataSize) / Double(byteRate)
            default:
                break
            }
            offset = body + Int(size) + Int(size & 1)
        }
        return nil
    }
}

enum FLACStreamInfo {
    /// Total samples over the sample rate, from the STREAMINFO block that must come first.
    static func seconds(_ bytes: some AudioBytes, at start: Int) -> Double? {
        guard let header = bytes.slice(start + 4, 4), header[0] & 0x7F == 0, let info = bytes.slice(start + 8, 34) else { return nil }
        return seconds(streamInfo: info)
    }

    /// The 34-byte STREAMINFO body: 20 bits of sample rate and 36 of total samples at byte 10.
    static func seconds(streamInfo info: [UInt8]) -> Double? {
        guard info.count >= 18 else { return nil }
        let packed = info.be(10, 8)
        let rate = packed >> 44
        let samples = packed & 0xF_FFFF_FFFF
        guard rate > 0, samples > 0 else { return nil }
        return Double(samples) / Double(rate)
    }
}

enum OggPages {
    /// The granule position of the stream's last page over its codec's rate (Opus: 48 kHz,
    /// less the pre-skip; Vorbis: the sample rate in its identification header).
    static func seconds(_ bytes: some AudioBytes) -> Double? {
        guard let first = bytes.slice(0, 27) else { return nil }
        let serial = first.le(14, 4)
        let segments = Int(first[26])
        guard let table = bytes.slice(27, segments), let packet = bytes.slice(27 + segments, min(64, table.reduce(0) { $0 + Int($1) })) else {
            return nil
        }
        let rate: UInt64
        var skip: UInt64 = 0
        if packet.starts(with: Array("OpusHead".utf8)), packet.count >= 12 {
            rate = 48_000
            skip = packet.le(10, 2)
        } else if packet.starts(with: [0x01] + Array("vorbis".utf8)), packet.count >= 16 {
            rate = packet.le(12, 4)
        } else {
            return nil
        }
        let span = min(bytes.size, AudioDurationProbe.window)
        guard rate > 0, let end = bytes.slice(bytes.size - span, span), end.count >= 27 else { return nil }
        var offset = end.count - 27
        while offset >= 0 {
            if end[offset] == 0x4F, end[offset..<(offset + 4)].elementsEqual("OggS".utf8), end.le(offset + 14, 4) == serial {
                let granule = end.le(offset + 6, 8)
                if granule != UInt64.max { return granule > skip ? Double(granule - skip) / Double(rate) : 0 }
            }
            offset -= 1
        }
        return nil
    }
}

enum MP4Boxes {
    /// The `mvhd` box's duration over its time scale, inside the top-level `moov` box (at the
    /// start of the file or, when it lies within the tail window, at its end).
    static func seconds(_ bytes: some AudioBytes) -> Double? {
        guard let moov = box("moov", in: bytes, from: 0, to: bytes.size),
              let mvhd = box("mvhd", in: bytes, from: moov.body, to: moov.end),
              let fields = bytes.slice(mvhd.body, 32) else { return nil }
        let (scale, duration) = fields[0] == 1 ? (fields.be(20, 4), fields.be(24, 8)) : (fields.be(12, 4), fields.be(16, 4))
        guard scale > 0 else { return nil }
        return Double(duration) / Double(scale)
    }

    /// The first box of `type` between `start` and `end`: where its body starts and it ends.
    private static func box(_ type: String, in bytes: some AudioBytes, from start: Int, to end: Int) -> (body: Int, end: Int)? {
        var offset = start
        for _ in 0..<64 where offset + 8 <= end {
            guard let header = bytes.slice(offset, 8) else { return nil }
            var size = Int(header.be(0, 4))
            var body = offset + 8
            if size == 1 {
                guard let large = bytes.slice(offset + 8, 8) else { return nil }
                size = Int(clamping: large.be(0, 8))
                body += 8
            } else if size == 0 {
                size = end - offset
            }
            guard size >= body - offset else { return nil }
            if header[4..<8].elementsEqual(type.utf8) { return (body, min(offset + size, end)) }
            offset += size
        }
        return nil
    }
}
