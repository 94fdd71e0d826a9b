import Foundation
import Testing
@testable import ParleyAPI
@testable import ParleyCore

/// Speakers in every output format, RTTM, the turn lookup and the diarization fields' rules;
/// pure, no sockets.
@Suite(.timeLimit(.minutes(5))) struct SpeakerFormatTests {
    let segments = [
        TranscriptSegment(start: 0, end: 2.5, text: "Hello there.", speaker: "SPEAKER_00"),
        TranscriptSegment(start: 2.5, end: 5, text: "Hi <you>", speaker: "SPEAKER_01"),
    ]
    let turns = [
        SpeakerTurn(speaker: "SPEAKER_00", start: 0.2, end: 2.4), SpeakerTurn(speaker: "SPEAKER_01", start: 2.6, end: 4.9),
        SpeakerTurn(speaker: "SPEAKER_00", start: 6, end: 61.2345),
    ]

    @Test func subtitlesAndTextShowTheSpeaker() {
        #expect(SubtitleFormatter.srt(segments) == """
            1
            00:00:00,000 --> 00:00:02,500
            [SPEAKER_00] Hello there.

            2
            00:00:02,500 --> 00:00:05,000
            [SPEAKER_01] Hi <you>

            """)
        #expect(SubtitleFormatter.vtt(segments) == """
            WEBVTT

            00:00:00.000 --> 00:00:02.500
            <v SPEAKER_00>Hello there.

            00:00:02.500 --> 00:00:05.000
            <v SPEAKER_01>Hi &lt;you&gt;

            """)
        #expect(SubtitleFormatter.text(segments) == "[SPEAKER_00] Hello there.\n[SPEAKER_01] Hi <you>\n")
        #expect(SubtitleFormatter.tsv(segments).hasSuffix("2500\t5000\t[SPEAKER_01] Hi <you>\n"))
        #expect(SubtitleFormatter.srt([TranscriptSegment(start: 0, end: 1, text: "plain")]).contains("\nplain\n"), "no speaker, no label")
    }

    @Test func rttmHasOneStandardLinePerTurn() {
        let rttm = RTTMFormatter.render(turns, recording: "call 7")
        let lines = rttm.split(separator: "\n")
        #expect(lines.count == 3 && rttm.hasSuffix("\n"))
        #expect(lines[0] == "SPEAKER call_7 1 0.200 2.200 <NA> <NA> SPEAKER_00 <NA> <NA>")
        #expect(lines[2] == "SPEAKER call_7 1 6.000 55.235 <NA> <NA> SPEAKER_00 <NA> <NA>")
        #expect(lines.allSatisfy { $0.split(separator: " ").count == 10 })
        #expect(RTTMFormatter.render([], recording: "x").isEmpty)
    }

    @Test func aSpanGetsTheSpeakerCoveringMostOfItOrTheNearest() {
        #expect(turns.speaker(from: 2.0, to: 4.0) == "SPEAKER_01")
        #expect(turns.speaker(from: 0, to: 1) == "SPEAKER_00")
        #expect(turns.speaker(from: 5.2, to: 5.4) == "SPEAKER_01", "in a gap: the nearest turn")
        #expect([SpeakerTurn]().speaker(from: 0, to: 1) == nil)
    }

    @Test func renderedFormatsNeedADiarizedResultForRTTMAndDiarizedJSON() throws {
        var result = ItemResult(text: "Hello there. Hi", language: "en", languageProbability: 1, duration: 5, model: "m", segments: segments)
        #expect(throws: ParleyError.self) { try ResultRenderer.render(result, format: .rttm, task: nil) }
        result.speakerTurns = turns
        result.speakerCount = 2
        let rttm = String(decoding: try ResultRenderer.render(result, format: .rttm, task: nil, recording: "a"), as: UTF8.self)
        #expect(rttm.hasPrefix("SPEAKER a 1 0.200"))
        let diarized = try #require(try JSONSerialization.jsonObject(
            with: ResultRenderer.render(result, format: .diarizedJSON, task: nil)) as? [String: Any])
        #expect(diarized["task"] as? String == "transcribe" && diarized["text"] as? String == "Hello there. Hi")
        let first = try #require((diarized["segments"] as? [[String: Any]])?.first)
        #expect(first["type"] as? String == "transcript.text.segment" && first["speaker"] as? String == "SPEAKER_00")
        #expect(first["id"] as? String == "seg_0")
        let json = try #require(try JSONSerialization.jsonObject(with: ResultRenderer.render(result, format: .json, task: nil)) as? [String: Any])
        #expect(json["speaker_count"] as? Int == 2 && (json["speaker_turns"] as? [Any])?.count == 3)
    }

    @Test func diarizationFieldsAreCheckedAndAnItemsOwnWin() throws {
        let job = SpeakerChoice(diarize: true, num: nil, min: 2, max: 4)
        #expect(SpeakerChoice(diarize: false).over(job) == SpeakerChoice(diarize: false, num: nil, min: 2, max: 4))
        #expect(throws: ParleyError.self) { try SpeakerChoice(diarize: false).over(job).check(prefix: "", takesAudio: true) }
        try SpeakerChoice(diarize: true, num: 20).check(prefix: "", takesAudio: true)
        func param(_ choice: SpeakerChoice, audio: Bool = true) -> String? {
            do {
                try choice.check(prefix: "items[1].", takesAudio: audio)
                return nil
            } catch let error as ParleyError { return error.param } catch { return "?" }
        }
        #expect(param(SpeakerChoice(diarize: true, num: 21)) == "items[1].num_speakers")
        #expect(param(SpeakerChoice(diarize: true, min: 0)) == "items[1].min_speakers")
        #expect(param(SpeakerChoice(diarize: true, min: 3, max: 2)) == "items[1].min_speakers")
        #expect(param(SpeakerChoice(diarize: true, num: 2, min: 1)) == "items[1].num_speakers")
        #expect(param(SpeakerChoice(diarize: true), audio: false) == "items[1].diarize")
        #expect(param(SpeakerChoice(num: 2)) == "items[1].diarize")
        #expect(SpeakerChoice(diarize: true, num: 2).itemOptions(wordTimestamps: false) == ItemOptions(diarize: true, numSpeakers: 2))
        #expect(SpeakerChoice(diarize: false).itemOptions(wordTimestamps: false) == nil)
    }
}
