/// One speaker's stretch of speech in a diarized item, in seconds (the engine's turns).
public struct SpeakerTurn: Sendable, Codable, Equatable {
    /// `SPEAKER_00`, `SPEAKER_01`, … in order of first speech.
    public var speaker: String
    public var start: Double
    public var end: Double

    public init(speaker: String, start: Double, end: Double) {
        self.speaker = speaker
        self.start = start
        self.end = end
    }
}

extension Array where Element == SpeakerTurn {
    /// The speaker whose turns cover most of `start`–`end`, else the one whose turn lies
    /// nearest to its middle; nil without turns. Speech translated by Whisper's translate task
    /// has segments of its own, which get their speakers this way.
    public func speaker(from start: Double, to end: Double) -> String? {
        var overlap: [String: Double] = [:]
        for turn in self {
            let shared = Swift.min(end, turn.end) - Swift.max(start, turn.start)
            if shared > 0 { overlap[turn.speaker, default: 0] += shared }
        }
        if let best = overlap.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }) { return best.key }
        let middle = (start + end) / 2
        return self.min(by: { $0.distance(to: middle) < $1.distance(to: middle) })?.speaker
    }
}

extension SpeakerTurn {
    /// Seconds from `moment` to the turn (0 inside it).
    func distance(to moment: Double) -> Double {
        moment < start ? start - moment : (moment > end ? moment - end : 0)
    }
}
