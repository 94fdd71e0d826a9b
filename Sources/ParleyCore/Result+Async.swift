extension Result where Failure == any Error {
    /// Runs `body` and captures its value or error, so cleanup can run before rethrowing.
    public init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
