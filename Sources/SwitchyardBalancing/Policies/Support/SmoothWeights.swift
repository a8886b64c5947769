/// nginx's smooth weighted round-robin: each pick adds every candidate's weight to its running score, takes the
/// highest score and subtracts the total weight from it. Over a cycle each candidate is picked in proportion to its
/// weight, interleaved rather than in bursts: weights 5, 1, 1 give `a a b a c a a`.
///
/// Thread-safety: none; the owning policy serialises access.
struct SmoothWeights: Sendable {
    private var scores: [Int] = []

    /// The candidate to pick, among indices `0..<count` with `weight(index)` above 0 (0 leaves an index out and
    /// keeps its score); nil when none has a positive weight.
    @inline(__always)
    mutating func next(count: Int, weight: (Int) -> Int) -> Int? {
        if scores.count != count {
            scores = Array(repeating: 0, count: count)
        }
        return scores.withUnsafeMutableBufferPointer { scores in
            var best = -1
            var total = 0
            for index in 0..<count {
                let weight = weight(index)
                guard weight > 0 else { continue }
                scores[index] += weight
                total += weight
                if best < 0 || scores[index] > scores[best] {
                    best = index
                }
            }
            guard best >= 0 else { return nil }
            scores[best] -= total
            return best
        }
    }
}
