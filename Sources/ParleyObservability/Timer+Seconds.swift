import Metrics

extension Metrics.Timer {
    /// Records a duration given in seconds.
    public func recordSeconds(_ seconds: Double) {
        recordNanoseconds(Int64((max(seconds, 0) * 1_000_000_000).rounded()))
    }

    /// Records the time elapsed since `start`.
    public func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }
}
