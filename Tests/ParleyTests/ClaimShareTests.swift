import Testing
@testable import ParleyCore
@testable import ParleyStore

/// Synchronous requests and batch work share each claimed batch: the rule (pure) and both
/// stores' claims.
@Suite(.timeLimit(.minutes(5))) struct ClaimShareTests {
    @Test func synchronousItemsTakeAtMostHalfWhileBatchItemsWait() {
        let cases: [(limit: Int, synchronous: Int, batch: Int, expected: (Int, Int))] = [
            (8, 8, 8, (4, 4)), (8, 8, 0, (8, 0)), (8, 0, 8, (0, 8)), (8, 2, 8, (2, 6)),
            (8, 8, 3, (5, 3)), (7, 7, 7, (4, 3)), (1, 1, 1, (1, 0)), (2, 5, 5, (1, 1)), (8, 0, 0, (0, 0)),
        ]
        for c in cases {
            let share = ClaimShare.split(limit: c.limit, synchronousReady: c.synchronous, batchReady: c.batch)
            #expect(share == c.expected, "\(c)")
        }
        #expect(ClaimShare.pick(limit: 3, synchronous: ["a", "b", "c"], batch: ["x", "y"]) == ["a", "b", "x"])
        for limit in 1...10 {
            for synchronous in 0...limit {
                for batch in 0...limit {
                    let share = ClaimShare.split(limit: limit, synchronousReady: synchronous, batchReady: batch)
                    #expect(share.synchronous + share.batch == min(limit, synchronous + batch), "no place left empty")
                    #expect(share.synchronous <= synchronous && share.batch <= batch)
                    if batch > 0 && synchronous > 0 { #expect(share.synchronous >= 1 && (limit == 1 || share.batch >= 1)) }
                }
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aFloodOfSynchronousRequestsLeavesHalfOfEachBatchToBatchWork(kind: StoreKind) async throws {
        try await kind.withStore { store in
            let (_, waiting) = try await seedJob(store, owner: "key_batch", priority: 9, count: 6, at: 1_000)
            var synchronous: [JobItem] = []
            for index in 0..<10 {
                synchronous += try await seedJob(store, owner: "key_sync\(index % 3)", priority: ClaimShare.synchronousPriority, count: 1, at: 2_000).1
            }
            let first = try await store.claim(model: "m", limit: 4, owner: "w", lease: 10_000, now: 3_000)
            #expect(first.map(\.priority) == [10, 10, 9, 9], "synchronous first, in half the batch")
            #expect(Set(first.filter { $0.priority == 9 }.map(\.id)) == Set(waiting.prefix(2).map(\.id)))
            let second = try await store.claim(model: "m", limit: 8, owner: "w", lease: 10_000, now: 3_000)
            #expect(second.map(\.priority) == [10, 10, 10, 10, 9, 9, 9, 9])
            // No batch item left: synchronous items fill the batch.
            let third = try await store.claim(model: "m", limit: 8, owner: "w", lease: 10_000, now: 3_000)
            #expect(third.map(\.priority) == [10, 10, 10, 10])
            #expect(Set((first + second + third).map(\.id)) == Set((waiting + synchronous).map(\.id)))
        }
    }
}
