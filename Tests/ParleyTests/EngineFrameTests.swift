import Foundation
import Testing
@testable import ParleyEngine

@Suite(.timeLimit(.minutes(5))) struct EngineFrameTests {
    @Test func anAnswersIdIsReadFromItsFirstBytes() {
        #expect(EngineFrame.leadingId(Data(#"{"id":"whisper-base-7","ok":true,"results":[]}"#.utf8)) == "whisper-base-7")
        #expect(EngineFrame.leadingId(Data(#"{"id":"t1","progress":{"item":"a","seconds":1}}"#.utf8)) == "t1")
        #expect(EngineFrame.leadingId(Data(#"{"ok":true,"id":"t1"}"#.utf8)) == nil, "not first: parsed instead")
        #expect(EngineFrame.leadingId(Data(#"{"id":"a\"b","ok":true}"#.utf8)) == nil, "an escape: parsed instead")
        #expect(EngineFrame.leadingId(Data(#"{"id":null,"ok":false}"#.utf8)) == nil)
        #expect(EngineFrame.leadingId(Data(#"{"id":"unterminated"#.utf8)) == nil)
        #expect(EngineFrame.leadingId(Data(#"{"id":"","ok":true}"#.utf8)) == "")
    }

    @Test func encodesBigEndianLengthHeaderAndPayload() {
        let frame = EngineFrame.encode(header: Data("{\"a\":1}".utf8), payload: Data([9, 8]))
        #expect(Array(frame.prefix(4)) == [0, 0, 0, 7])
        #expect(frame.count == 4 + 7 + 2)
        #expect(Array(frame.suffix(2)) == [9, 8])
    }

    @Test func readsLengthPrefix() {
        #expect(EngineFrame.headerLength(prefix: Data([0, 0, 1, 0])) == 256)
        #expect(EngineFrame.headerLength(prefix: Data([0, 0, 0, 0])) == nil)
        #expect(EngineFrame.headerLength(prefix: Data([0x7f, 0, 0, 0])) == nil)
        #expect(EngineFrame.headerLength(prefix: Data([0, 1])) == nil)
    }

    @Test func requestHeaderCarriesSnakeCaseFields() throws {
        var request = EngineRequest(
            op: "transcribe", id: "r1", model: "m",
            items: [.init(id: "i", offset: 0, length: 3, options: TranscriptionOptions(language: "de", beamSize: 5), translateTo: "en")])
        request.payloadLength = 3
        let json = try #require(String(data: try JSONEncoder().encode(request), encoding: .utf8))
        #expect(json.contains("\"payload_length\":3"))
        #expect(json.contains("\"translate_to\":\"en\""))
        #expect(json.contains("\"beam_size\":5"))
        #expect(!json.contains("\"kind\""))
    }

    @Test func translateRequestSendsTextItemsAsItems() throws {
        let request = EngineRequest(
            op: "translate", id: "r2", model: "translation",
            textItems: [.init(id: "t", texts: ["Hello."], source: nil, target: "pt")])
        let json = try #require(String(data: try JSONEncoder().encode(request), encoding: .utf8))
        #expect(json.contains("\"items\":[{"))
        #expect(json.contains("\"texts\":[\"Hello.\"]"))
        #expect(json.contains("\"target\":\"pt\""))
    }
}
