import Foundation

/// A progress frame the engine writes before its answer to a long call: how many seconds
/// of an item are done.
struct EngineProgress: Decodable {
    var item: String
    var seconds: Double

    private struct Frame: Decodable {
        var progress: EngineProgress?
    }

    /// The most a progress frame's header takes (about 60 bytes are written); a larger header
    /// is an answer, and is not parsed twice.
    static let maxHeaderBytes = 1_024

    /// The progress a frame header carries, or nil when it is an answer.
    static func decode(_ header: Data) -> EngineProgress? {
        guard header.count <= maxHeaderBytes else { return nil }
        return (try? JSONDecoder().decode(Frame.self, from: header))?.progress
    }
}
