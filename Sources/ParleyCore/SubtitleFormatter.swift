/// Pure formatters that turn a transcript into the text formats clients download. A
/// segment with a speaker shows it: `[SPEAKER_00] text` in SRT, text and TSV, a voice tag
/// `<v SPEAKER_00>text` in WebVTT.
public enum SubtitleFormatter {
    /// A result format clients may ask for.
    public enum Format: String, Sendable, CaseIterable {
        case json, text, srt, vtt, tsv, rttm
        case verboseJSON = "verbose_json"
        case diarizedJSON = "diarized_json"

        /// The extension of a downloaded file in this format.
        public var fileExtension: String {
            switch self {
            case .json: "json"
            case .verboseJSON: "verbose.json"
            case .diarizedJSON: "diarized.json"
            case .rttm: "rttm"
            case .text: "txt"
            case .srt: "srt"
            case .vtt: "vtt"
            case .tsv: "tsv"
            }
        }

        /// The response's content type.
        public var contentType: String {
            switch self {
            case .json, .verboseJSON, .diarizedJSON: "application/json"
            case .rttm: "text/plain; charset=utf-8"
            case .text: "text/plain; charset=utf-8"
            case .srt: "application/x-subrip; charset=utf-8"
            case .vtt: "text/vtt; charset=utf-8"
            case .tsv: "text/tab-separated-values; charset=utf-8"
            }
        }
    }

    /// SubRip: numbered cues, `HH:MM:SS,mmm` times, a blank line after each cue.
    public static func srt(_ segments: [TranscriptSegment]) -> String {
        segments.enumerated().map { index, segment in
            "\(index + 1)\n\(timestamp(segment.start, separator: ","))"
                + " --> \(timestamp(segment.end, separator: ","))\n\(labelled(cueText(segment.text), segment.speaker))\n"
        }.joined(separator: "\n")
    }

    /// WebVTT: a header, `HH:MM:SS.mmm` times, and text with `&`, `<` and `>` escaped.
    public static func vtt(_ segments: [TranscriptSegment]) -> String {
        let cues = segments.map { segment in
            "\(timestamp(segment.start, separator: ".")) --> \(timestamp(segment.end, separator: "."))\n"
                + voice(segment.speaker) + escapeVTT(cueText(segment.text)) + "\n"
        }
        return (["WEBVTT\n"] + cues).joined(separator: "\n")
    }

    /// Plain text: one line per segment.
    public static func text(_ segments: [TranscriptSegment]) -> String {
        segments.map { labelled($0.text.trimmed, $0.speaker) + "\n" }.joined()
    }

    /// Whisper's TSV: a `start end text` header, times in whole milliseconds, and each
    /// segment's text on one line, its tabs and line breaks turned into spaces.
    public static func tsv(_ segments: [TranscriptSegment]) -> String {
        "start\tend\ttext\n" + segments.map { segment in
            let text = segment.text.split(whereSeparator: { $0 == "\t" || $0.isNewline }).map { $0.trimmed }
                .filter { !$0.isEmpty }.joined(separator: " ")
            return "\(milliseconds(segment.start))\t\(milliseconds(segment.end))\t\(labelled(text, segment.speaker))\n"
        }.joined()
    }

    /// `[SPEAKER_00] text` for a segment with a speaker, else the text.
    static func labelled(_ text: String, _ speaker: String?) -> String {
        speaker.map { "[\($0)] \(text)" } ?? text
    }

    /// A WebVTT voice span's opening tag (`<v SPEAKER_00>`), its name escaped, or nothing.
    static func voice(_ speaker: String?) -> String {
        speaker.map { "<v \(escapeVTT($0))>" } ?? ""
    }

    /// A cue's text: its lines trimmed, blank lines dropped (a blank line would end the cue).
    static func cueText(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmed }.filter { !$0.isEmpty }.joined(separator: "\n")
    }

    static func milliseconds(_ seconds: Double) -> Int64 {
        Int64((max(seconds, 0) * 1000).rounded())
    }

    /// `HH:MM:SS<sep>mmm`, rounded to the millisecond; hours grow past two digits when needed.
    public static func timestamp(_ seconds: Double, separator: String) -> String {
        let totalMillis = milliseconds(seconds)
        let millis = totalMillis % 1000
        let totalSeconds = totalMillis / 1000
        return pad(totalSeconds / 3600) + ":" + pad(totalSeconds / 60 % 60) + ":" + pad(totalSeconds % 60)
            + separator + pad(millis, width: 3)
    }

    static func escapeVTT(_ text: String) -> String {
        text.replacing("&", with: "&amp;")
            .replacing("<", with: "&lt;")
            .replacing(">", with: "&gt;")
    }

    static func pad(_ value: Int64, width: Int = 2) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

extension StringProtocol {
    fileprivate var trimmed: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
