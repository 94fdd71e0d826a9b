import Testing
@testable import ParleyCore

@Suite struct SubtitleFormatterTests {
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
    }
}
