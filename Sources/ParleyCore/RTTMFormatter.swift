/// Rich Transcription Time Marked (RTTM), the NIST format diarization tools read and score:
/// one `SPEAKER` line per turn, `SPEAKER <file> 1 <start> <duration> <NA> <NA> <speaker> <NA> <NA>`,
/// times in seconds with millisecond precision. Pure.
public enum RTTMFormatter {
    /// The turns of one recording, named `recording` (spaces, which would split a field,
    /// become `_`).
    public static func render(_ turns: [SpeakerTurn], recording: String) -> String {
        let name = recording.isEmpty ? "recording" : String(recording.map { $0.isWhitespace ? "_" : $0 })
        return turns.map { turn in
            "SPEAKER \(name) 1 \(seconds(turn.start)) \(seconds(Swift.max(0, turn.end - turn.start))) <NA> <NA> \(turn.speaker) <NA> <NA>\n"
        }.joined()
    }

    /// `12.345` for 12.3454 s: three decimals, rounded to the millisecond.
    static func seconds(_ value: Double) -> String {
        let millis = Int((Swift.max(0, value) * 1000).rounded())
        let fraction = String(millis % 1000)
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
