import ParleyCore

/// Keeps one poison item from costing the others of its engine call.
///
/// A call that crashes the engine or outlives its timeout says nothing about which item caused
/// it (nor, when other calls ran on the same process, whether it was one of its own), so the
/// call is run again in halves, then halves of the half that fails, each run alone on the
/// engine, until the item that causes it is alone: that item alone is charged (its error,
/// retryable until its attempts run out), and every other item gets its answer in this same
/// attempt. A call of one item that failed beside other calls is run once more, alone, first.
enum CallContainment {
    /// The errors of a whole call that one of its items may cause: a crash or a timeout.
    static let containableCodes: Set<String> = ["engine_crashed", "engine_timeout"]

    /// Runs `call` on `items` (`alone` false: beside other calls); when it fails in a
    /// containable way, bisects as described above with `alone` true. Other errors (no engine
    /// at all, for example) fail the whole call as before.
    static func run<Item: Sendable, Value: Sendable>(
        _ items: [Item], id: (Item) -> String,
        _ call: (_ items: [Item], _ alone: Bool) async throws -> [String: Result<Value, ParleyError>]
    ) async throws -> [String: Result<Value, ParleyError>] {
        do {
            return try await call(items, false)
        } catch let error as ParleyError where containableCodes.contains(error.code) {
            return try await contain(items, id: id, call, failedAlone: false, error)
        }
    }

    private static func contain<Item: Sendable, Value: Sendable>(
        _ items: [Item], id: (Item) -> String,
        _ call: (_ items: [Item], _ alone: Bool) async throws -> [String: Result<Value, ParleyError>],
        failedAlone: Bool, _ error: ParleyError
    ) async throws -> [String: Result<Value, ParleyError>] {
        guard items.count > 1 else {
            guard let item = items.first else { return [:] }
            guard !failedAlone else { return [id(item): .failure(error)] }
            do {
                return try await call(items, true)
            } catch let again as ParleyError where containableCodes.contains(again.code) {
                return [id(item): .failure(again)]
            }
        }
        let middle = items.count / 2
        var results: [String: Result<Value, ParleyError>] = [:]
        for half in [Array(items[..<middle]), Array(items[middle...])] {
            do {
                results.merge(try await call(half, true)) { kept, _ in kept }
            } catch let failed as ParleyError where containableCodes.contains(failed.code) {
                results.merge(try await contain(half, id: id, call, failedAlone: true, failed)) { kept, _ in kept }
            }
        }
        return results
    }
}
