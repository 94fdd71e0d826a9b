import Foundation
import Testing
import ParleyCore
@testable import ParleyEngine

/// The frames in `engine/tests/golden` are what the engine writes (its own suite checks that,
/// in `test_golden_frames.py`); here the Swift side reads the same files.
@Suite(.timeLimit(.minutes(1))) struct EngineGoldenFrameTests {
    static func golden(_ name: String) throws -> Data {
        try Data(contentsOf: LiveServer.repositoryRoot.appendingPathComponent("engine/tests/golden/\(name)"))
    }

    @Test func helloCarriesTheProtocolThisSideSpeaks() throws {
        let hello = try EngineProcess.decode(EngineHello.self, try Self.golden("hello_answer.json"))
        #expect(hello.protocol == EngineFrame.protocolVersion && hello.device == "cpu")
        try hello.checkProtocol()
        let old = try JSONDecoder().decode(EngineHello.self, from: Data(#"{"ok":true,"protocol":1,"version":"0.0.9"}"#.utf8))
        #expect(throws: ParleyError.self) { try old.checkProtocol() }
        let none = try JSONDecoder().decode(EngineHello.self, from: Data(#"{"ok":true}"#.utf8))
        #expect(throws: ParleyError.self) { try none.checkProtocol() }
    }

    @Test func aProgressFrameIsToldApartFromAnAnswer() throws {
        let progress = try #require(EngineProgress.decode(try Self.golden("progress.json")))
        #expect(progress.item == "a" && progress.seconds == 300)
        #expect(EngineProgress.decode(try Self.golden("transcribe_answer.json")) == nil)
        #expect(EngineProgress.decode(try Self.golden("hello_answer.json")) == nil)
        let padded = #"{"id":"t","progress":{"item":"a","seconds":1},"pad":""# + String(repeating: "x", count: 2_000) + #""}"#
        #expect(EngineProgress.decode(Data(padded.utf8)) == nil, "a header too large for progress is an answer, parsed once")
    }

    @Test func aTranscribeAnswerDecodesItemByItem() throws {
        let answer = try EngineProcess.decode(EngineBatchResponse<EngineTranscript>.self, try Self.golden("transcribe_answer.json"))
        let items = try #require(answer.results)
        #expect(items.map(\.id) == ["a", "b"])
        let result = try #require(items[0].result)
        #expect(result.text == "He was not an ill-disposed young man." && result.language == "en")
        #expect(result.segments.first?.words?.first?.word == " He" && result.noSpeech == false)
        #expect(items[0].timings?.infer == 0.5)
        let stored = result.itemResult
        #expect(result.task == "transcribe" && stored.text == result.text && stored.segments == result.segments)
        #expect(stored.speechSeconds == 2.99 && stored.droppedSegments == 0 && stored.lowConfidence == false)
        #expect(!items[1].ok && items[1].error?.code == "invalid_audio" && items[1].error?.retryable == false)
    }
}
