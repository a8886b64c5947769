import Synchronization

/// Fast random numbers shared by all threads using one policy, without locks.
///
/// It walks the SplitMix64 sequence: an atomic counter advanced by a fixed odd step, each position scrambled by
/// SplitMix64's finaliser. Concurrent callers each take a distinct position; a fixed seed makes a single thread's
/// draws repeatable. Not for cryptography.
///
/// Thread-safety: all members may be called from any thread at the same time.
struct RandomSource: ~Copyable, Sendable {
    private let position: Atomic<UInt64>

    /// A source starting at `seed`, or at a seed from the system's generator when nil.
    init(seed: UInt64?) {
        var system = SystemRandomNumberGenerator()
        position = Atomic(seed ?? system.next())
    }

    /// The next 64 random bits.
    func next() -> UInt64 {
        SplitMix64.scramble(position.wrappingAdd(SplitMix64.step, ordering: .relaxed).oldValue)
    }

    /// A generator for a burst of draws within one pick, seeded from this source with a plain load and store rather
    /// than an atomic read-modify-write: cheaper, at the price that racing callers may now and then get the same
    /// seed, which only makes their tie-breaks agree.
    func local() -> SplitMix64 {
        let seed = position.load(ordering: .relaxed) &+ SplitMix64.step
        position.store(seed, ordering: .relaxed)
        return SplitMix64(seed: SplitMix64.scramble(seed))
    }
}

/// The SplitMix64 generator, used directly for draws local to one pick.
///
/// Thread-safety: a value; each copy is used by one thread.
struct SplitMix64: RandomNumberGenerator {
    static let step: UInt64 = 0x9E37_79B9_7F4A_7C15

    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= Self.step
        return Self.scramble(state)
    }

    /// A number in `0..<bound` (bound > 0), by multiply-high: a bias of at most `bound / 2^64`.
    mutating func next(below bound: Int) -> Int {
        next().scaled(below: bound)
    }

    /// SplitMix64's finaliser: a bijection that spreads every input bit over the output.
    static func scramble(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension UInt64 {
    /// These random bits mapped onto `0..<bound` (bound > 0) by multiply-high.
    func scaled(below bound: Int) -> Int {
        Int(truncatingIfNeeded: multipliedFullWidth(by: UInt64(bound)).high)
    }
}

/// Chooses uniformly among equally good candidates met one at a time (reservoir sampling of one), drawing random
/// numbers only once a tie occurs.
///
/// Thread-safety: a value local to one pick.
struct TieBreaker {
    /// The weight of the candidates as good as the best so far, the best included.
    private var tiedWeight = 1
    private var generator: SplitMix64?

    /// Starts over: the candidate just met, of `weight`, is the only best so far.
    mutating func restart(weight: Int = 1) {
        tiedWeight = max(weight, 1)
    }

    /// Counts one more candidate, of `weight`, as good as the best so far; true when it should replace the best,
    /// which leaves each of the equal candidates chosen in proportion to its weight (weighted reservoir sampling).
    mutating func replacesOnTie(weight: Int = 1, drawingFrom random: borrowing RandomSource) -> Bool {
        let weight = max(weight, 1)
        tiedWeight += weight
        var generator = self.generator ?? random.local()
        defer { self.generator = generator }
        return generator.next(below: tiedWeight) < weight
    }
}
