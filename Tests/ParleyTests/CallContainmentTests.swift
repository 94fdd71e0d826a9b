import Foundation
import Synchronization
import Testing
@testable import ParleyCore
@testable import ParleyEngine

/// Bisection of a call that crashes, and the grouping of a batch into bounded calls: pure logic.
@Suite(.timeLimit(.minutes(1))) struct CallContainmentTests {
    /// The calls a stand-in engine received.
    final class CallLog: Sendable {
        let calls = Mutex<[[String]]>([])
    }

    /// A stand-in engine call: crashes when it holds any item of `poison`, else answers each item.
    static func call(poison: Set<String>, log: CallLog) -> @Sendable ([String], Bool) async throws -> [String: Result<String, ParleyError>] {
        { items, _ in
            log.calls.withLock { $0.append(items) }
            if items.contains(where: poison.contains) { throw ParleyError.engineCrashed("the engine process exited") }
            return Dictionary(uniqueKeysWithValues: items.map { ($0, .success($0.uppercased())) })
        }
    }

    @Test(arguments: [
        (8, ["c"]), (8, ["a"]), (8, ["h"]), (7, ["d", "e"]), (5, ["a", "b", "c", "d", "e"]), (1, ["a"]), (6, []),
    ])
    func onlyPoisonItemsAreCharged(count: Int, poison: [String]) async throws {
        let items = (0..<count).map { String(UnicodeScalar(UInt8(97 + $0))) }
        let log = CallLog()
        let results = try await CallContainment.run(items, id: { $0 }, Self.call(poison: Set(poison), log: log))
        #expect(Set(results.keys) == Set(items))
        for item in items {
            if poison.contains(item) {
                #expect((try? results[item]?.get()) == nil)
                if case .failure(let error)? = results[item] { #expect(error.code == "engine_crashed" && error.retryable) }
            } else {
                #expect(try results[item]?.get() == item.uppercased(), "\(item) is answered in the same attempt")
            }
        }
        let made = log.calls.withLock { $0 }
        if poison.isEmpty { #expect(made.count == 1) }
        if poison.count == 1 { #expect(made.count <= 1 + 2 * Int(ceil(log2(Double(max(count, 2))))), "bisection, not item by item: \(made)") }
    }

    @Test func anErrorNoItemCausesFailsTheWholeCall() async {
        let log = CallLog()
        await #expect(throws: ParleyError.self) {
            try await CallContainment.run(["a", "b", "c"], id: { $0 }) { (items: [String], _: Bool) async throws -> [String: Result<String, ParleyError>] in
                log.calls.withLock { $0.append(items) }
                throw ParleyError.engineUnavailable("no engine serves model x")
            }
        }
        #expect(log.calls.withLock { $0.count } == 1, "no bisection when the engine is not there at all")
    }

    @Test func timeoutsAreBisectedLikeCrashes() async throws {
        let results = try await CallContainment.run(["a", "b"], id: { $0 }) { (items: [String], _: Bool) async throws -> [String: Result<String, ParleyError>] in
            if items.contains("b") { throw ParleyError.engineTimeout(seconds: 600) }
            return ["a": .success("A")]
        }
        #expect(try results["a"]?.get() == "A")
        if case .failure(let error)? = results["b"] { #expect(error.code == "engine_timeout") } else { Issue.record("b: \(String(describing: results["b"]))") }
    }

    @Test func aLoneItemThatFailedBesideOtherCallsIsRunOnceMoreAloneBeforeItIsCharged() async throws {
        // A neighbour's crash took the call down: alone, the item is answered in this attempt.
        let runs = CallLog()
        let results = try await CallContainment.run(["a"], id: { $0 }) { (items: [String], alone: Bool) async throws -> [String: Result<String, ParleyError>] in
            runs.calls.withLock { $0.append(items + [alone ? "alone" : "beside"]) }
            if !alone { throw ParleyError.engineCrashed("the engine process exited") }
            return ["a": .success("A")]
        }
        #expect(try results["a"]?.get() == "A")
        #expect(runs.calls.withLock { $0 } == [["a", "beside"], ["a", "alone"]])
        // Every run after the first is alone, so a half that fails alone is not run again.
        let log = CallLog()
        let alone = Mutex<[Bool]>([])
        let poisoned = Self.call(poison: ["c"], log: log)
        _ = try await CallContainment.run(["a", "b", "c", "d"], id: { $0 }) { items, isAlone in
            alone.withLock { $0.append(isAlone) }
            return try await poisoned(items, isAlone)
        }
        #expect(alone.withLock { $0 } == [false, true, true, true, true])
        #expect(log.calls.withLock { $0 } == [["a", "b", "c", "d"], ["a", "b"], ["c", "d"], ["c"], ["d"]])
    }

    @Test func batchesAreCutIntoCallsOfBoundedBytes() {
        func request(_ id: String, _ bytes: Int) -> TranscriptionRequest {
            TranscriptionRequest(id: id, audio: Data(count: bytes), options: TranscriptionOptions())
        }
        let groups = SidecarEngine.calls([request("a", 40), request("b", 50), request("c", 20), request("d", 200), request("e", 10)], maxBytes: 100)
        #expect(groups.map { $0.map(\.id) } == [["a", "b"], ["c"], ["d"], ["e"]])
        #expect(SidecarEngine.calls([], maxBytes: 100).isEmpty)
        #expect(SidecarEngine.calls([request("a", 0), request("b", 0)], maxBytes: 100).map(\.count) == [2])
    }
}
