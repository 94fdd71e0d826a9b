/// The one-line progress of a job: a bar, items done of total, rate and ETA; pure.
public struct ProgressLine: Equatable {
    public var done: Int
    public var failed: Int
    public var total: Int
    /// Seconds since the job was submitted.
    public var elapsed: Double

    public init(done: Int, failed: Int, total: Int, elapsed: Double) {
        self.done = done
        self.failed = failed
        self.total = total
        self.elapsed = elapsed
    }

    /// Items finished per second so far.
    public var rate: Double { elapsed > 0 ? Double(done) / elapsed : 0 }

    /// Seconds left at the current rate; nil before the first item finishes.
    public var eta: Double? { rate > 0 ? Double(total - done) / rate : nil }

    /// `[########------------]  8/20 items (1 failed)  2.0 items/s  ETA 6s`
    public func render(width: Int = 20) -> String {
        let filled = total > 0 ? min(width, done * width / total) : 0
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
        let failures = failed > 0 ? " (\(failed) failed)" : ""
        let speed = String(format: "%.1f items/s", rate)
        return "\(bar) \(done)/\(total) items\(failures)  \(speed)  ETA \(eta.map(Self.duration) ?? "?")"
    }

    /// `42s`, `3m05s`, `1h02m`.
    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded(.up))
        if total < 60 { return "\(total)s" }
        if total < 3_600 { return "\(total / 60)m" + String(format: "%02d", total % 60) + "s" }
        return "\(total / 3_600)h" + String(format: "%02d", total / 60 % 60) + "m"
    }
}
