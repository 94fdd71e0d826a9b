import Testing
@testable import ParleyCore

/// Every way an item leaves `running`, decided once for both stores (pure).
@Suite(.timeLimit(.minutes(1))) struct ItemTransitionTests {
    static let meta = ResultMetadata(modelUsed: "m", detectedLanguage: "en", languageProbability: 0.9, audioSeconds: 3)
    static let broken = ParleyError.invalidValue("x", "broken")

    @Test func aReportSettlesAsItSays() {
        let done = ItemTransition.settle(.succeeded(resultRef: "r", metadata: Self.meta), cancelRequested: false, now: 10)
        #expect(done.status == .succeeded && done.resultRef == "r" && done.metadata == Self.meta && done.error == .clear)
        #expect(done.finishedAt == 10 && done.runAfter == nil && !done.refundsAttempt)
        let failed = ItemTransition.settle(.failed(Self.broken), cancelRequested: false, now: 10)
        #expect(failed.status == .failed && failed.error == .record(code: Self.broken.code, message: Self.broken.message))
        #expect(failed.finishedAt == 10 && failed.resultRef == nil)
        let retry = ItemTransition.settle(.retry(Self.broken, runAfter: 99), cancelRequested: false, now: 10)
        #expect(retry.status == .queued && retry.runAfter == 99 && retry.finishedAt == nil)
        #expect(retry.error.recorded.code == Self.broken.code)
    }

    @Test(arguments: [
        ItemOutcome.succeeded(resultRef: "r", metadata: ItemTransitionTests.meta),
        .failed(ItemTransitionTests.broken), .retry(ItemTransitionTests.broken, runAfter: 99),
    ])
    func aCancelledJobCancelsWhateverTheOutcome(outcome: ItemOutcome) {
        let cancelled = ItemTransition.settle(outcome, cancelRequested: true, now: 10)
        #expect(cancelled.status == .cancelled && cancelled.finishedAt == 10 && cancelled.error == .keep)
        #expect(cancelled.resultRef == nil && !cancelled.refundsAttempt)
    }

    @Test func aReleaseGivesTheAttemptBackAndKeepsTheError() {
        let released = ItemTransition.release(cancelRequested: false, now: 10)
        #expect(released.status == .queued && released.runAfter == 10 && released.refundsAttempt && released.error == .keep)
        #expect(released.error.recorded.code == nil)
        let cancelled = ItemTransition.release(cancelRequested: true, now: 10)
        #expect(cancelled.status == .cancelled && cancelled.refundsAttempt && cancelled.finishedAt == 10)
    }

    @Test func anExpiredLeaseIsALostWorkerFinalOnTheLastAttempt() {
        let again = ItemTransition.rescue(attempts: 2, maxAttempts: 3, cancelRequested: false, now: 10)
        #expect(again.status == .queued && again.runAfter == 10 && again.error.recorded.code == "worker_lost")
        let last = ItemTransition.rescue(attempts: 3, maxAttempts: 3, cancelRequested: false, now: 10)
        #expect(last.status == .failed && last.error.recorded.code == "worker_lost")
        #expect(ItemTransition.rescue(attempts: 1, maxAttempts: 3, cancelRequested: true, now: 10).status == .cancelled)
    }

    @Test func theJobsCountersMoveFromRunning() {
        var counts = JobCounts(total: 3, queued: 3)
        counts.move(3, from: .queued, to: .running)
        ItemTransition.settle(.failed(Self.broken), cancelRequested: false, now: 1).move(&counts, items: 2)
        ItemTransition.release(cancelRequested: false, now: 1).move(&counts)
        #expect(counts.running == 0 && counts.failed == 2 && counts.queued == 1)
    }
}
