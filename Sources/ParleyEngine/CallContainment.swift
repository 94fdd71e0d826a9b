import ParleyCore

/// Keeps one poison item from costing the others of its engine call.
///
/// A call that crashes the engine or outlives its timeout says nothing about which item caused
/// it, so the call is run again in halves, then halves of the half that fails, until the item
/// that causes it is alone: that item alone is charged (its error, retryable until its attempts
/// run out), and every other item gets its answer in this same attempt.
enum CallContainment {
    /// The errors of a whole call that one of its items may cause: a crash or a timeout.
    static let containableCodes: Set<String> = ["engine_crashed", "engine_timeout"]

    /// Runs `call` on `items`; when it fails in a containable way, bisects as described above.
    /// Other errors (no engine at all, for example) fail the whole call as before.
    static func run<Item: Sendable, Value: Sendable>(
        _ items: [Item], id: (Item) -> String,
        _ call: ([Item]) async throws -> [String: Result<Value, ParleyError>]
    ) async throws -> [String: Result<Value, ParleyError>] {
        do {
            return try await call(items)
        } catch let error as ParleyError where containableCodes.contains(error.code) {
            guard items.count > 1 else { return items.first.map { [id($0): .failure(error)] } ?? [:] }
            let middle = items.count / 2
            let first = try await run(Array(items[..<middle]), id: id, call)
            let second = try await run(Array(items[middle...]), id: id, call)
            return first.merging(second) { kept, _ in kept }
        }
    }
}
