import Foundation
import Logging

/// A fresh directory under the system temp directory, removed by `cleanup()`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("parley-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    var path: String { url.path }

    func cleanup() {
        try? FileManager.default.removeItem(at: url)
    }
}

enum TestLogger {
    static func make(_ label: String = "parley-test") -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = ProcessInfo.processInfo.environment["PARLEY_TEST_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .warning
        return logger
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held. A cancelled
/// test (one past its time limit) stops polling at once instead of spinning.
func eventually(timeout: Duration = .seconds(30), interval: Duration = .milliseconds(100), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        if Task.isCancelled { return false }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}
