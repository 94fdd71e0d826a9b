/// OpenAI's `diarized_json` transcription document, made from a diarized item's result: the
/// text, the duration, and each segment with its speaker (`SPEAKER_00`, … as Parley names
/// them; OpenAI's own model says `A`, `B`, …).
public struct DiarizedTranscript: Encodable, Equatable {
    public struct Segment: Encodable, Equatable {
        public var type = "transcript.text.segment"
        public var id: String
        public var start: Double
        public var end: Double
        public var text: String
        public var speaker: String
    }

    public struct Usage: Encodable, Equatable {
        public var type = "duration"
        public var seconds: Double
    }

    public var task = "transcribe"
    public var duration: Double
    public var text: String
    public var segments: [Segment]
    public var usage: Usage

    public init(_ result: ItemResult) {
        duration = result.duration
        text = result.text
        segments = result.segments.enumerated().map { index, segment in
            Segment(id: "seg_\(index)", start: segment.start, end: segment.end, text: segment.text,
                    speaker: segment.speaker ?? "SPEAKER_00")
        }
        usage = Usage(seconds: result.duration)
    }
}
