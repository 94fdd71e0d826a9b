import ParleyCore

/// The diarization fields of a job or of one of its items (`diarize`, `num_speakers`,
/// `min_speakers`, `max_speakers`), checked, an item's over its job's; pure.
struct SpeakerChoice: Equatable {
    /// The most speakers a client may ask for or bound the count by.
    static let maxSpeakers = 20

    var diarize: Bool?
    var num: Int?
    var min: Int?
    var max: Int?

    /// This choice with `fallback`'s fields where this one says nothing.
    func over(_ fallback: SpeakerChoice) -> SpeakerChoice {
        SpeakerChoice(diarize: diarize ?? fallback.diarize, num: num ?? fallback.num, min: min ?? fallback.min, max: max ?? fallback.max)
    }

    /// Checks each count (1 to `maxSpeakers`), `num` against the bounds, and that counts come
    /// with diarization of audio; `prefix` is the fields' path (`items[3].`, or empty).
    func check(prefix: String, takesAudio: Bool) throws {
        for (name, value) in [("num_speakers", num), ("min_speakers", min), ("max_speakers", max)] {
            if let value, !(1...Self.maxSpeakers).contains(value) {
                throw ParleyError.invalidValue("\(prefix)\(name)", "\(name) must be 1 to \(Self.maxSpeakers)")
            }
        }
        if num != nil && (min != nil || max != nil) {
            throw ParleyError.invalidValue("\(prefix)num_speakers", "give num_speakers, or min_speakers and max_speakers, not both")
        }
        if let min, let max, min > max {
            throw ParleyError.invalidValue("\(prefix)min_speakers", "min_speakers must not exceed max_speakers")
        }
        if diarize == true && !takesAudio {
            throw ParleyError.invalidValue("\(prefix)diarize", "diarization needs audio: an asr or asr+nmt job")
        }
        if diarize != true && (num != nil || min != nil || max != nil) {
            throw ParleyError.invalidValue("\(prefix)diarize", "num_speakers, min_speakers and max_speakers need \"diarize\": true")
        }
    }

    /// The item options that carry this choice (and word timings when asked for); nil for the defaults.
    func itemOptions(wordTimestamps: Bool) -> ItemOptions? {
        let diarized = diarize == true
        let options = ItemOptions(
            wordTimestamps: wordTimestamps ? true : nil, diarize: diarized ? true : nil,
            numSpeakers: diarized ? num : nil, minSpeakers: diarized ? min : nil, maxSpeakers: diarized ? max : nil)
        return options.isDefault ? nil : options
    }
}
