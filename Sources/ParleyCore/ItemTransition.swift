/// How a running item leaves `running`: decided here once, purely, for every store. A store
/// reads the item (locked, lease checked) and its job, asks for the transition, writes the row
/// as told and moves the job's counters with `Job.adjusted`.
///
/// The rules: a job whose cancellation was requested takes each item that leaves `running`
/// to `cancelled`, whatever its outcome; a retry goes back to the queue with its error; a
/// release (a worker stopping) goes back without charging the attempt or replacing the last
/// error; a lease that expired counts as a lost worker, final on the last attempt.
public struct ItemTransition: Sendable, Equatable {
    /// What becomes of the item's recorded error.
    public enum ErrorChange: Sendable, Equatable {
        /// A success clears it.
        case clear
        /// A release keeps the last one.
        case keep
        /// A failure or retry records its own.
        case record(code: String, message: String)

        /// The code and message to write, nil where the row keeps (or a success clears) its own.
        public var recorded: (code: String?, message: String?) {
            if case .record(let code, let message) = self { return (code, message) }
            return (nil, nil)
        }
    }

    /// Where the item goes: `succeeded`, `failed`, `queued` or `cancelled`.
    public let status: ItemStatus
    /// The result (succeeded only).
    public let resultRef: String?
    public let metadata: ResultMetadata?
    public let error: ErrorChange
    /// When a queued item may run again.
    public let runAfter: Millis?
    /// When a terminal item ended.
    public let finishedAt: Millis?
    /// Whether the claim's attempt is given back (a release).
    public let refundsAttempt: Bool
    /// What the item's end does to its key's daily usage.
    public let quota: QuotaSettlement

    /// A worker's report on an item it holds.
    /// A cancelled item is charged as the outcome it
    /// reached would have been, a retry as a failure.
    public static func settle(_ outcome: ItemOutcome, cancelRequested: Bool, now: Millis) -> ItemTransition {
        switch outcome {
        case .succeeded(let resultRef, let metadata):
            let charge = QuotaSettlement.charge(QuotaNeed(audioSeconds: metadata.audioSeconds ?? 0, characters: metadata.characters ?? 0))
            if cancelRequested { return cancelled(now: now, quota: charge) }
            return ItemTransition(status: .succeeded, resultRef: resultRef, metadata: metadata, error: .clear,
                                  runAfter: nil, finishedAt: now, refundsAttempt: false, quota: charge)
        case .failed(let error):
            if cancelRequested { return cancelled(now: now, quota: .ending(error)) }
            return ItemTransition(status: .failed, resultRef: nil, metadata: nil, error: .record(code: error.code, message: error.message),
                                  runAfter: nil, finishedAt: now, refundsAttempt: false, quota: .ending(error))
        case .retry(let error, let runAfter):
            if cancelRequested { return cancelled(now: now, quota: .ending(error)) }
            return ItemTransition(status: .queued, resultRef: nil, metadata: nil, error: .record(code: error.code, message: error.message),
                                  runAfter: runAfter, finishedAt: nil, refundsAttempt: false, quota: .none)
        }
    }

    /// A worker stopping hands an item back: queued at once, its attempt not counted, its last
    /// error kept.
    public static func release(cancelRequested: Bool, now: Millis) -> ItemTransition {
        if cancelRequested {
            return ItemTransition(status: .cancelled, resultRef: nil, metadata: nil, error: .keep,
                                  runAfter: nil, finishedAt: now, refundsAttempt: true, quota: .release)
        }
        return ItemTransition(status: .queued, resultRef: nil, metadata: nil, error: .keep,
                              runAfter: now, finishedAt: nil, refundsAttempt: true, quota: .none)
    }

    /// An item whose lease expired: its worker is taken for lost; final on the last attempt.
    public static func rescue(attempts: Int, maxAttempts: Int, cancelRequested: Bool, now: Millis) -> ItemTransition {
        let lost = ParleyError.workerLost
        return settle(attempts >= maxAttempts ? .failed(lost) : .retry(lost, runAfter: now), cancelRequested: cancelRequested, now: now)
    }

    /// The job's counters after this transition.
    public func move(_ counts: inout JobCounts, items: Int = 1) {
        counts.move(items, from: .running, to: status)
    }

    private static func cancelled(now: Millis, quota: QuotaSettlement) -> ItemTransition {
        ItemTransition(status: .cancelled, resultRef: nil, metadata: nil, error: .keep, runAfter: nil, finishedAt: now,
                       refundsAttempt: false, quota: quota)
    }
}
