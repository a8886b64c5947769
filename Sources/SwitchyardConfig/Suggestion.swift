/// "Did you mean" hints for misspelled keys and names.
enum Suggestion {
    /// `; did you mean "x"?` for the candidate closest to `word` within edit distance 2, or an empty string.
    static func didYouMean(_ word: String, in candidates: [String]) -> String {
        let scored = candidates.map { (candidate: $0, distance: distance($0, word)) }
        guard let best = scored.min(by: { $0.distance < $1.distance }), best.distance <= 2 else { return "" }
        return "; did you mean \"\(best.candidate)\"?"
    }

    /// The Levenshtein distance between `a` and `b`.
    static func distance(_ a: String, _ b: String) -> Int {
        let b = Array(b)
        var previous = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var current = [i + 1]
            for (j, y) in b.enumerated() {
                current.append(min(previous[j + 1] + 1, current[j] + 1, previous[j] + (x == y ? 0 : 1)))
            }
            previous = current
        }
        return previous[b.count]
    }
}
