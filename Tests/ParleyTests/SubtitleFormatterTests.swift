import Testing
@testable import ParleyCore

@Suite(.timeLimit(.minutes(5))) struct SubtitleFormatterTests {
    let segments = [
        TranscriptSegment(start: 0, end: 2.5, text: " Hello there. "),
        TranscriptSegment(start: 2.5, end: 5.0004, text: "Second line"),
    ]

    @Test func srtExact() {
        #expect(SubtitleFormatter.srt(segments) == """
            1
            00:00:00,000 --> 00:00:02,500
            Hello there.

            2
            00:00:02,500 --> 00:00:05,000
            Second line

            """)
    }

    @Test func vttExact() {
        #expect(SubtitleFormatter.vtt(segments) == """
            WEBVTT

            00:00:00.000 --> 00:00:02.500
            Hello there.

            00:00:02.500 --> 00:00:05.000
            Second line

            """)
    }

    @Test func textIsOneLinePerSegment() {
        #expect(SubtitleFormatter.text(segments) == "Hello there.\nSecond line\n")
    }

    @Test(arguments: [
        (0.0, "00:00:00,000"), (0.0004, "00:00:00,000"), (0.0005, "00:00:00,001"), (59.9996, "00:01:00,000"),
        (61.25, "00:01:01,250"), (3_599.999, "00:59:59,999"), (3_600, "01:00:00,000"),
        (5_999.5, "01:39:59,500"), (360_000, "100:00:00,000"), (-1, "00:00:00,000"),
    ])
    func timestamps(seconds: Double, expected: String) {
        #expect(SubtitleFormatter.timestamp(seconds, separator: ",") == expected)
    }

    @Test func vttEscapesMarkup() {
        let vtt = SubtitleFormatter.vtt([TranscriptSegment(start: 0, end: 1, text: "a < b & c --> d")])
        #expect(vtt.contains("a &lt; b &amp; c --&gt; d"))
    }

    @Test func emptyTranscript() {
        #expect(SubtitleFormatter.srt([]) == "")
        #expect(SubtitleFormatter.vtt([]) == "WEBVTT\n")
        #expect(SubtitleFormatter.tsv([]) == "start\tend\ttext\n")
    }

    @Test func tsvExact() {
        let tsv = SubtitleFormatter.tsv(segments + [TranscriptSegment(start: 6_000.0005, end: 6_001.25, text: "tab\there\nand\r\nthere")])
        #expect(tsv == "start\tend\ttext\n0\t2500\tHello there.\n2500\t5000\tSecond line\n6000001\t6001250\ttab here and there\n")
    }

    @Test func multiLineCuesKeepTheirLinesButNoBlankOne() {
        let cue = [TranscriptSegment(start: 3_600, end: 3_601.5, text: " First line \n\n  second <line>\r\n")]
        #expect(SubtitleFormatter.srt(cue) == "1\n01:00:00,000 --> 01:00:01,500\nFirst line\nsecond <line>\n")
        #expect(SubtitleFormatter.vtt(cue) == "WEBVTT\n\n01:00:00.000 --> 01:00:01.500\nFirst line\nsecond &lt;line&gt;\n")
    }

    @Test func verboseTranscriptFollowsOpenAI() {
        let result = ItemResult(
            text: "Hello there. Second line", language: "en", languageProbability: 0.98, duration: 5.2, model: "whisper-base",
            segments: [
                TranscriptSegment(start: 0, end: 2.5, text: "Hello there.", words: [
                    TranscriptWord(start: 0, end: 0.8, word: " Hello", probability: 0.9),
                    TranscriptWord(start: 0.8, end: 2.5, word: " there.", probability: 0.8),
                ]),
                TranscriptSegment(start: 2.5, end: 5, text: "Second line", words: [TranscriptWord(start: 2.5, end: 5, word: " Second line")]),
            ])
        let verbose = VerboseTranscript(result, task: "transcribe", temperature: 0.2, words: true)
        #expect(verbose.segments.map(\.id) == [0, 1] && verbose.segments[1].start == 2.5 && verbose.segments[0].temperature == 0.2)
        #expect(verbose.words?.map(\.word) == [" Hello", " there.", " Second line"])
        #expect(verbose.duration == 5.2 && verbose.language == "en" && verbose.task == "transcribe")
        #expect(VerboseTranscript(result, task: "translate", words: false).words == nil)
    }
}
