import Foundation

/// Which resolved addresses the worker may fetch audio from: never loopback,
/// private, link-local (cloud metadata services included), multicast or reserved ranges.
public enum AddressPolicy {
    /// Whether a numeric IPv4 or IPv6 address is off limits. Unparseable input is forbidden.
    public static func isForbidden(_ address: String) -> Bool {
        if let v4 = parseIPv4(address) { return isForbiddenV4(v4) }
        if let v6 = parseIPv6(address) { return isForbiddenV6(v6) }
        return true
    }

    static func isForbiddenV4(_ a: [UInt8]) -> Bool {
        switch (a[0], a[1]) {
        case (0, _), (10, _), (127, _), (169, 254), (192, 168): return true
        case (100, 64...127), (172, 16...31), (198, 18...19): return true
        case (192, 0) where a[2] == 0 || a[2] == 2: return true
        case (198, 51) where a[2] == 100, (203, 0) where a[2] == 113: return true
        default: return a[0] >= 224
        }
    }

    static func isForbiddenV6(_ a: [UInt8]) -> Bool {
        if a.allSatisfy({ $0 == 0 }) { return true }                            // ::
        if a[0..<15].allSatisfy({ $0 == 0 }) && a[15] == 1 { return true }      // ::1
        if a[0..<10].allSatisfy({ $0 == 0 }) && a[10] == 0xff && a[11] == 0xff { // ::ffff:a.b.c.d
            return isForbiddenV4(Array(a[12..<16]))
        }
        if a[0..<12].allSatisfy({ $0 == 0 }) { return true }                    // ::a.b.c.d, IPv4-compatible (deprecated)
        if a[0..<6] == [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01] { return true }      // 64:ff9b:1::/48 local-use NAT64
        if a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b { return isForbiddenV4(Array(a[12..<16])) }
        if a[0] == 0x20 && a[1] == 0x02 { return isForbiddenV4(Array(a[2..<6])) } // 2002::/16 6to4, its IPv4 inside
        if a[0..<4] == [0x20, 0x01, 0x00, 0x00] { return true }                 // 2001::/32 Teredo (IPv4 hidden inside)
        if a[0..<8] == [0x01, 0x00, 0, 0, 0, 0, 0, 0] { return true }           // 100::/64 discard-only
        if a[0] & 0xfe == 0xfc { return true }                                  // fc00::/7 unique local
        if a[0] == 0xfe && a[1] & 0xc0 == 0x80 { return true }                  // fe80::/10 link-local
        if a[0] == 0xfe && a[1] & 0xc0 == 0xc0 { return true }                  // fec0::/10 site-local (deprecated)
        if a[0] == 0xff { return true }                                         // multicast
        return a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8     // 2001:db8::/32 documentation
    }

    static func parseIPv4(_ text: String) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let bytes = parts.compactMap { part -> UInt8? in
            guard !part.isEmpty, part.count <= 3, part.allSatisfy(\.isASCII), part.allSatisfy(\.isNumber) else { return nil }
            return UInt8(part)
        }
        return bytes.count == 4 ? bytes : nil
    }

    static func parseIPv6(_ raw: String) -> [UInt8]? {
        var text = Substring(raw)
        if text.hasPrefix("[") && text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let zone = text.firstIndex(of: "%") { text = text[..<zone] }
        var tail: [UInt8] = []
        if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
            guard let v4 = parseIPv4(String(text[text.index(after: lastColon)...])) else { return nil }
            tail = v4
            text = Substring(String(text[...lastColon]) + "0:0")
        }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            guard !part.isEmpty else { return [] }
            let values = part.split(separator: ":", omittingEmptySubsequences: false).map { UInt16($0, radix: 16) }
            return values.contains(where: { $0 == nil }) || part.split(separator: ":", omittingEmptySubsequences: false).contains(where: { $0.count > 4 })
                ? nil : values.compactMap { $0 }
        }
        guard let head = groups(halves[0]), let rest = halves.count == 2 ? groups(halves[1]) : [] else { return nil }
        let missing = 8 - head.count - rest.count
        guard halves.count == 2 ? missing >= 1 : missing == 0 else { return nil }
        let all = head + Array(repeating: 0, count: halves.count == 2 ? missing : 0) + rest
        var bytes = all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
        if !tail.isEmpty { bytes.replaceSubrange(12..<16, with: tail) }
        return bytes
    }
}
