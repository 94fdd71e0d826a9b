/// The names of the model groups a default deployment runs, defined once: the queue routes
/// items to these names, the engine loads a model under each, and the configuration edits
/// them by name.
public enum ModelGroup {
    /// Whisper, serving every audio item.
    public static let asr = "whisper-base"
    /// The text translators, serving `nmt` items and `asr+nmt` transcripts.
    public static let translation = "translation"
}
