import Foundation
import Synchronization

/// The stdio pipes of one running engine process, shared by every call in flight on it.
///
/// Requests are written whole, one at a time; one reader (`readAll`, on a thread of its own
/// for the process's lifetime) hands each answer to the call whose `id` it carries and notes
/// each progress frame on that call's watch. When the output ends (the process exited or was
/// killed) every call still waiting fails, and the channel takes no new ones.
final class EngineChannel: Sendable {
    let input: Int32
    let output: Int32
    private struct Calls {
        var open = true
        var pending: [String: (reply: EngineReply, watch: CallWatch)] = [:]
    }
    private let calls = Mutex(Calls())
    /// Held while a frame is written; false once the input is closed.
    private let writable = Mutex(true)

    init(input: Int32, output: Int32) {
        self.input = input
        self.output = output
    }

    /// Registers a call before its request is written; nil once the output has ended.
    func register(_ id: String, watch: CallWatch) -> EngineReply? {
        calls.withLock { calls in
            guard calls.open else { return nil }
            let reply = EngineReply()
            calls.pending[id] = (reply, watch)
            return reply
        }
    }

    /// Stops waiting for a call's answer (it timed out or was cancelled).
    func forget(_ id: String) {
        _ = calls.withLock { $0.pending.removeValue(forKey: id) }
    }

    /// Writes one whole frame (blocking); false when the process's input has closed.
    func send(_ frame: Data) -> Bool {
        writable.withLock { open in open && EnginePipe.writeAll(input, frame) }
    }

    /// Closes the process's input (once), after any write in progress: no later write can
    /// reach a descriptor that has been reused.
    func closeInput() {
        writable.withLock { open in
            guard open else { return }
            open = false
            close(input)
        }
    }

    /// Reads frames until the output ends, then fails every waiting call with `ended`, takes no
    /// more, and closes the output (the reader is the only one that closes it).
    func readAll(ended: @Sendable () -> any Error) {
        while let prefix = EnginePipe.readExactly(output, 4), let length = EngineFrame.headerLength(prefix: prefix),
              let header = EnginePipe.readExactly(output, length) {
            // Parsed whole only when the engine did not write the id first.
            let id = EngineFrame.leadingId(header) ?? (try? JSONDecoder().decode(FrameId.self, from: header))?.id ?? ""
            if EngineProgress.decode(header) != nil {
                calls.withLock { $0.pending[id]?.watch }?.touch()
                continue
            }
            calls.withLock { $0.pending.removeValue(forKey: id) }?.reply.fulfil(.success(header))
        }
        let waiting = calls.withLock { calls in
            calls.open = false
            defer { calls.pending = [:] }
            return Array(calls.pending.values)
        }
        for call in waiting { call.reply.fulfil(.failure(ended())) }
        close(output)
    }

    private struct FrameId: Decodable {
        let id: String?
    }
}

/// One call's answer, handed over once by the channel's reader.
final class EngineReply: Sendable {
    private struct State {
        var result: Result<Data, any Error>?
        var waiter: CheckedContinuation<Data, any Error>?
    }
    private let state = Mutex(State())

    /// Delivers the answer (or the failure); a second delivery is ignored.
    func fulfil(_ result: Result<Data, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Data, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    /// Waits for the answer; cancelling the waiting task fails it with `CancellationError`.
    func value() async throws -> Data {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready = state.withLock { state -> Result<Data, any Error>? in
                    if state.result == nil { state.waiter = continuation }
                    return state.result
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            fulfil(.failure(CancellationError()))
        }
    }
}

/// Blocking whole reads and writes on a pipe.
enum EnginePipe {
    static func writeAll(_ fd: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return false }
                offset += written
            }
            return true
        }
    }

    static func readExactly(_ fd: Int32, _ count: Int) -> Data? {
        var data = Data(count: count)
        let complete = data.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < count {
                let got = read(fd, buffer.baseAddress! + offset, count - offset)
                if got < 0 && errno == EINTR { continue }
                if got <= 0 { return false }
                offset += got
            }
            return true
        }
        return complete ? data : nil
    }
}
