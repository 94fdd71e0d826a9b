/// MPEG audio (MP3, MP2) as `AudioDurationProbe` reads it: the frame count of a Xing, Info or
/// VBRI header in the first frame, else the bytes after the first frame over its constant
/// bit rate. A first frame is trusted only when the next frame starts where it ends.
enum MP3Frames {
    /// A parsed four-byte frame header.
    struct Header: Equatable {
        var mpeg1: Bool
        var layer: Int
        var bitRate: Int
        var sampleRate: Int
        var padding: Int
        var mono: Bool

        var samplesPerFrame: Int { layer == 1 ? 384 : (layer == 2 || mpeg1 ? 1152 : 576) }
        var length: Int {
            layer == 1 ? (12 * bitRate / sampleRate + padding) * 4 : samplesPerFrame / 8 * bitRate / sampleRate + padding
        }
        /// Where a Xing or Info header sits after the frame's start: past the side information.
        var xingOffset: Int { 4 + (mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17)) }

        init?(_ b: [UInt8]) {
            guard b.count >= 4, b[0] == 0xFF, b[1] & 0xE0 == 0xE0 else { return nil }
            let version = Int(b[1] >> 3 & 3), layerBits = Int(b[1] >> 1 & 3)
            let bitIndex = Int(b[2] >> 4), rateIndex = Int(b[2] >> 2 & 3)
            guard version != 1, layerBits != 0, bitIndex != 0, bitIndex != 15, rateIndex != 3 else { return nil }
            mpeg1 = version == 3
            layer = 4 - layerBits
            let table = mpeg1 ? Self.mpeg1BitRates[layer - 1] : (layer == 1 ? Self.mpeg2Layer1BitRates : Self.mpeg2BitRates)
            bitRate = table[bitIndex - 1] * 1000
            sampleRate = [44_100, 48_000, 32_000][rateIndex] >> (version == 3 ? 0 : version == 2 ? 1 : 2)
            padding = Int(b[2] >> 1 & 1)
            mono = b[3] >> 6 == 3
        }

        static let mpeg1BitRates = [
            [32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
            [32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
            [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
        ]
        static let mpeg2Layer1BitRates = [32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256]
        static let mpeg2BitRates = [8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]
    }

    /// How far past `start` the first frame is looked for.
    static let searchSpan = 8 * 1024

    static func seconds(_ bytes: some AudioBytes, from start: Int) -> Double? {
        guard let area = bytes.slice(start, min(searchSpan + 4, bytes.size - start)) else { return nil }
        for offset in 0..<max(area.count - 4, 0) where area[offset] == 0xFF {
            guard let header = Header(Array(area[offset..<(offset + 4)])), header.length > 4 else { continue }
            let frame = start + offset
            guard let next = bytes.slice(frame + header.length, 4), let following = Header(next),
                  following.sampleRate == header.sampleRate, following.layer == header.layer else { continue }
            return seconds(bytes, frame: frame, header: header)
        }
        return nil
    }

    private static func seconds(_ bytes: some AudioBytes, frame: Int, header: Header) -> Double? {
        let perFrame = Double(header.samplesPerFrame) / Double(header.sampleRate)
        if let xing = bytes.slice(frame + header.xingOffset, 12),
           xing.starts(with: Array("Xing".utf8)) || xing.starts(with: Array("Info".utf8)) {
            return xing.be(4, 4) & 1 == 1 ? Double(xing.be(8, 4)) * perFrame : nil
        }
        if let vbri = bytes.slice(frame + 36, 18), vbri.starts(with: Array("VBRI".utf8)) {
            return Double(vbri.be(14, 4)) * perFrame
        }
        let trailer = bytes.slice(bytes.size - 128, 3).map { $0.elementsEqual("TAG".utf8) } == true ? 128 : 0
        return Double(max(bytes.size - frame - trailer, 0)) * 8 / Double(header.bitRate)
    }
}
