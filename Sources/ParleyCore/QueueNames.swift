/// Names of queue model groups that are not engine models.
public enum QueueNames {
    /// Text items (`nmt` jobs) wait here for a translation engine.
    public static let text = "text"
}
