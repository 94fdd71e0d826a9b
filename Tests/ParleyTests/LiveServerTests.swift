import Foundation
import Testing

/// The test harness itself: a server that cannot start fails its test at once, naming why,
/// instead of leaving the test waiting for a port that never comes.
@Suite(.timeLimit(.minutes(3))) struct LiveServerTests {
    @Test func aServerThatCannotListenFailsItsTestAtOnce() async throws {
        try await LiveServer.with(worker: false) { first in
            let start = ContinuousClock.now
            await #expect(throws: (any Error).self) {
                try await LiveServer.with(worker: false, configure: { $0.port = first.port }) { _ in
                    Issue.record("a second server cannot listen on the first one's port")
                }
            }
            #expect(ContinuousClock.now - start < .seconds(90), "the harness's own 120 s start limit did not have to step in")
        }
    }
}
