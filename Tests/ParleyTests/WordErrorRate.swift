/// Word error rate: word-level edit distance over the reference's length, after
/// lower-casing, dropping punctuation and spelling out common abbreviations.
enum WordErrorRate {
    static func words(_ text: String) -> [String] {
        let spelled: [String: String] = ["mr": "mister", "mrs": "missus", "dr": "doctor"]
        let cleaned = String(text.lowercased().map { (c: Character) -> Character in
            c.isLetter || c.isNumber || c == "'" ? c : " "
        })
        return cleaned.split(separator: " ").map { (word: Substring) -> String in
            spelled[String(word)] ?? String(word)
        }
    }

    static func rate(reference: String, hypothesis: String) -> Double {
        let ref = words(reference), hyp = words(hypothesis)
        guard !ref.isEmpty else { return hyp.isEmpty ? 0 : 1 }
        var previous = Array(0...hyp.count)
        for (i, r) in ref.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: hyp.count)
            for (j, h) in hyp.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (r == h ? 0 : 1))
            }
            previous = current
        }
        return Double(previous[hyp.count]) / Double(ref.count)
    }
}
