import Testing
@testable import ParleyLimits

/// The RESP codec alone: every type, partial input, pipelined replies and malformed bytes.
@Suite(.timeLimit(.minutes(5))) struct RESPCodecTests {
    func decode(_ text: String) throws -> (RESPValue, Int)? {
        try RESPCodec.decode(ArraySlice(Array(text.utf8))).map { ($0.value, $0.consumed) }
    }

    @Test func encodesCommandsAsArraysOfBulkStrings() {
        #expect(String(decoding: RESPCodec.encodeCommand(["PING"]), as: UTF8.self) == "*1\r\n$4\r\nPING\r\n")
        #expect(String(decoding: RESPCodec.encodeCommand(["SET", "k", ""]), as: UTF8.self) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n")
        #expect(String(decoding: RESPCodec.encodeCommand(["ECHO", "é\r\n"]), as: UTF8.self) == "*2\r\n$4\r\nECHO\r\n$4\r\né\r\n\r\n",
                "lengths count UTF-8 bytes; CRLF inside a bulk string is data")
    }

    @Test(arguments: [
        ("+OK\r\n", RESPValue.simpleString("OK"), 5),
        ("-ERR wrong\r\n", .error("ERR wrong"), 12),
        (":-42\r\n", .integer(-42), 6),
        ("$5\r\nhello\r\n", .bulkString(Array("hello".utf8)), 11),
        ("$0\r\n\r\n", .bulkString([]), 6),
        ("$-1\r\n", .bulkString(nil), 5),
        ("*-1\r\n", .array(nil), 5),
        ("*0\r\n", .array([]), 4),
        ("*3\r\n:1\r\n$2\r\nab\r\n*1\r\n+x\r\n", .array([.integer(1), .bulkString(Array("ab".utf8)), .array([.simpleString("x")])]), 24),
        ("$4\r\na\r\nb\r\n", .bulkString(Array("a\r\nb".utf8)), 10),
    ])
    func decodesEveryType(text: String, value: RESPValue, consumed: Int) throws {
        let decoded = try #require(try decode(text))
        #expect(decoded.0 == value && decoded.1 == consumed)
    }

    @Test func everyStrictPrefixAsksForMoreBytes() throws {
        let whole = "*3\r\n:1\r\n$5\r\nhello\r\n*2\r\n+a\r\n-b\r\n"
        let bytes = Array(whole.utf8)
        for cut in 0..<bytes.count {
            #expect(try RESPCodec.decode(ArraySlice(bytes[0..<cut])) == nil, "prefix of \(cut) bytes")
        }
        #expect(try RESPCodec.decode(ArraySlice(bytes))?.consumed == bytes.count)
    }

    @Test func pipelinedRepliesDecodeOneAfterAnother() throws {
        let bytes = Array("+PONG\r\n:7\r\n$-1\r\n".utf8)
        var offset = 0
        var values: [RESPValue] = []
        while let (value, used) = try RESPCodec.decode(ArraySlice(bytes)[offset...]) {
            values.append(value)
            offset += used
        }
        #expect(values == [.simpleString("PONG"), .integer(7), .bulkString(nil)])
        #expect(offset == bytes.count)
    }

    @Test(arguments: ["?x\r\n", ":12a\r\n", "$-2\r\n", "$3\r\nabcXY", "*-5\r\n", "$x\r\n"])
    func rejectsMalformedBytes(text: String) {
        #expect(throws: RESPCodec.DecodingError.self) { try decode(text) }
    }

    @Test func valueAccessors() {
        #expect(RESPValue.bulkString(Array("12".utf8)).int == 12)
        #expect(RESPValue.simpleString("OK").string == "OK")
        #expect(RESPValue.bulkString(nil).string == nil && RESPValue.error("E").int == nil)
    }
}
