import Foundation

/// A progress frame the engine writes before its answer to a long call: how many seconds
/// of an item are done.
struct EngineProgress: Decodable {
    var item: String
    var seconds: Double

    private struct Frame: Decodable {
        var progress: EngineProgress?
    }

    /// The progress a frame header carries, or nil when it is an answer.
    static func decode(_ header: Data) -> EngineProgress? {
        (try? JSONDecoder().decode(Frame.self, from: header))?.progress
    }
}
