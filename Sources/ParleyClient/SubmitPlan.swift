import Foundation

/// The items `parley submit` sends: files expanded from the given paths (directories
/// recursively, in name order), each with an item id made from its name, unique in the job.
public struct SubmitPlan: Equatable {
    public struct Entry: Equatable {
        public var id: String
        public var file: URL
    }

    /// File name extensions taken from directories: audio for audio jobs, `.txt` for `nmt`.
    public static let audioExtensions: Set<String> = ["wav", "mp3", "flac", "ogg", "opus", "m4a", "aac", "webm", "mp4", "mka", "wma"]

    public var entries: [Entry]

    /// - Parameter text: whether the job translates text files (`nmt`) rather than audio.
    public init(paths: [String], text: Bool) throws {
        var files: [URL] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ClientError(status: 0, code: "not_found", message: "\(path) does not exist")
            }
            let url = URL(fileURLWithPath: path)
            guard isDirectory.boolValue else {
                files.append(url)
                continue
            }
            let wanted = text ? ["txt"] : Self.audioExtensions
            let found = FileManager.default.enumerator(at: url, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? []
            files += found.filter { wanted.contains($0.pathExtension.lowercased()) }.sorted { $0.path < $1.path }
        }
        guard !files.isEmpty else { throw ClientError(status: 0, code: "no_input", message: "no input files were found") }
        var used = Set<String>()
        entries = files.map { file in
            let base = Self.itemId(file.deletingPathExtension().lastPathComponent)
            var id = base
            var suffix = 2
            while !used.insert(id).inserted {
                id = "\(base)-\(suffix)"
                suffix += 1
            }
            return Entry(id: id, file: file)
        }
    }

    /// A file name as an item id: letters, digits, `-`, `_` and `.`, at most 100 characters.
    static func itemId(_ name: String) -> String {
        let cleaned = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" }.prefix(100))
        return cleaned.isEmpty ? "item" : cleaned
    }
}
