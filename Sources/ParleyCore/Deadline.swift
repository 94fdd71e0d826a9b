/// Runs `body` and returns what it returns, unless `duration` passes first: then `body` is
/// cancelled and the error `onTimeout` makes is thrown. `body` must end when cancelled (an
/// AsyncHTTPClient request, a `Task.sleep`, a stream of a cancelled request all do).
///
/// It bounds a whole exchange (connect, headers and every byte of the body), where a client's
/// own timeout often covers only the wait for the response headers.
public func withDeadline<T: Sendable>(
    _ duration: Duration, onTimeout: @escaping @Sendable () -> any Error, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: duration)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw onTimeout() }
        return value
    }
}
