import Dispatch

/// Sleeps for `duration` even when the task is cancelled.
///
/// A cancelled `Task.sleep` returns at once, so a polling loop that must go on after
/// cancellation (waiting for a killed child to be reaped, watching a shutdown) turns into a
/// spin that holds one of the few threads of Swift's cooperative pool, and on a 2-core
/// machine two such spins stall every other task of the process.
public func sleepThroughCancellation(for duration: Duration) async {
    let nanoseconds = max(0, duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) { continuation.resume() }
    }
}
