import Foundation
import Synchronization

/// When an engine call last showed life: its start, then each progress frame the engine wrote.
/// A call's deadline counts from here, so a long call that keeps reporting progress runs on,
/// and a call that goes quiet for the whole deadline is cut off.
final class CallWatch: Sendable {
    private let heard = Atomic<UInt64>(DispatchTime.now().uptimeNanoseconds)

    /// Notes a sign of life now.
    func touch() {
        heard.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
    }

    /// How long the call has been quiet.
    var quiet: Duration {
        let now = DispatchTime.now().uptimeNanoseconds
        let last = heard.load(ordering: .relaxed)
        return .nanoseconds(Int64(now > last ? now - last : 0))
    }

    /// Returns once the call has been quiet for `limit`; throws when cancelled.
    func waitUntilQuiet(for limit: Duration) async throws {
        while true {
            let quiet = self.quiet
            if quiet >= limit { return }
            try await Task.sleep(for: limit - quiet)
        }
    }
}
