import Foundation
import Testing
@testable import ParleyEngine

/// How a batch is dealt between idle engine processes of one model.
@Suite(.timeLimit(.minutes(5))) struct BatchSplitTests {
    func requests(_ sizes: [Int]) -> [TranscriptionRequest] {
        sizes.enumerated().map { TranscriptionRequest(id: "i\($0.offset)", audio: Data(count: $0.element), options: TranscriptionOptions()) }
    }

    func ids(_ parts: [[TranscriptionRequest]]) -> [[String]] { parts.map { $0.map(\.id) } }

    @Test func oneProcessTakesTheWholeBatchInOrder() {
        #expect(ids(SidecarEngine.split(requests([5, 9, 1]), into: 1)) == [["i0", "i1", "i2"]])
        #expect(ids(SidecarEngine.split(requests([5, 9, 1]), into: 0)) == [["i0", "i1", "i2"]])
    }

    @Test func twoLongRecordingsGoToDifferentProcesses() {
        #expect(ids(SidecarEngine.split(requests([2_000_000, 1_900_000]), into: 2)) == [["i0"], ["i1"]])
    }

    @Test func partsBalanceBytesLargestFirst() {
        let parts = SidecarEngine.split(requests([10, 70, 20, 30, 40, 30]), into: 2)
        let bytes = parts.map { $0.reduce(0) { $0 + $1.audio.count } }
        #expect(bytes.sorted() == [100, 100])
        #expect(Set(parts.flatMap { $0.map(\.id) }).count == 6)
    }

    @Test func noPartIsEmptyWhenProcessesOutnumberItems() {
        let parts = SidecarEngine.split(requests([3, 4]), into: 2)
        #expect(parts.count == 2 && parts.allSatisfy { $0.count == 1 })
        #expect(SidecarEngine.split(requests([]), into: 2).isEmpty)
    }
}
