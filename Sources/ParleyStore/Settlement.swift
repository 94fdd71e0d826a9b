import ParleyCore

/// What one settle call decided, for every store: the transitions of running items grouped by
/// their job, the item rows to write, and the usage to settle per key, day and kind.
///
/// The order a store takes row locks in is items, then job rows in id order, then usage rows
/// in key and day order, here as in claiming, cancelling and reserving: one transaction that
/// settles items of several jobs never waits on a usage row while another waits on its jobs.
/// (Postgres reads the job rows without locking them and locks each with its counter update.)
struct Settlement {
    /// One job (as the store read it) and its items' transitions.
    struct JobPart {
        let job: Job
        let entries: [(item: JobItem, transition: ItemTransition)]

        /// What the transitions do to the job's counters, from zero.
        var counts: JobCounts {
            var counts = JobCounts()
            for entry in entries { entry.transition.move(&counts) }
            return counts
        }
    }

    /// What leaves one key's day's reservations and what is charged to it, for one item kind.
    struct UsageChange {
        /// A job of that key, day and kind (its `ownerKeyId`, `quotaDay` and `itemKind` name the row).
        let job: Job
        let released: Double
        let charged: Double
    }

    let parts: [JobPart]

    /// Groups `items` by job, in job id order, and asks `job` for each job (nil: skipped) and
    /// `decide` for each item.
    static func decide(
        _ items: [JobItem], job: (String) async throws -> Job?, _ decide: (Job, JobItem) -> ItemTransition
    ) async throws -> Settlement {
        var parts: [JobPart] = []
        for (jobId, items) in Dictionary(grouping: items, by: \.jobId).sorted(by: { $0.key < $1.key }) {
            guard let job = try await job(jobId) else { continue }
            parts.append(JobPart(job: job, entries: items.map { ($0, decide(job, $0)) }))
        }
        return Settlement(parts: parts)
    }

    /// Every item row to write.
    func writes(now: Millis) -> [ItemWrite] {
        parts.flatMap { part in part.entries.map { ItemWrite(id: $0.item.id, transition: $0.transition, now: now) } }
    }

    /// The usage to settle, one change per key, day and kind, in key and day order.
    var usage: [UsageChange] {
        let grouped = Dictionary(grouping: parts) { UsageRow(key: $0.job.ownerKeyId, day: $0.job.quotaDay, audio: $0.job.itemKind == .audio) }
        return grouped.sorted { ($0.key.key, $0.key.day, $0.key.audio ? 0 : 1) < ($1.key.key, $1.key.day, $1.key.audio ? 0 : 1) }
            .compactMap { _, parts in
                guard let job = parts.first?.job else { return nil }
                let totals = QuotaSettlement.totals(
                    parts.flatMap { $0.entries.map { ($0.transition.quota, $0.item.quotaReserved) } }, kind: job.itemKind)
                return UsageChange(job: job, released: totals.released, charged: totals.charged)
            }
    }

    private struct UsageRow: Hashable {
        let key: String
        let day: String
        let audio: Bool
    }
}

extension JobCounts {
    /// The counters' difference, field by field (a correction of moves already applied).
    func minus(_ other: JobCounts) -> JobCounts {
        JobCounts(total: total - other.total, queued: queued - other.queued, running: running - other.running,
                  succeeded: succeeded - other.succeeded, failed: failed - other.failed, cancelled: cancelled - other.cancelled)
    }
}
