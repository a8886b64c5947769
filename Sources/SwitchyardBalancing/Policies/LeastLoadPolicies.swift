import SwitchyardTraffic

/// Picks the selectable target with the fewest active connections for its weight (`least-connections`): the lowest
/// active / weight, with weights ramped by slow start, as nginx's `least_conn` does. Ties are broken at random in
/// proportion to weight, so at low concurrency (every target idle) traffic still splits by weight and a weight-1
/// target is used (and a dead one noticed) rather than never picked.
///
/// Thread-safety: lock-free; one O(n) pass reads each target's atomic connection count. Concurrent picks may both
/// see the same least-loaded target; admission still never exceeds its limit.
public final class LeastConnectionsPolicy: BalancingPolicy {
    /// The name that selects this policy in the configuration.
    public static let configName = "least-connections"

    private let random: RandomSource
    private let slowStart: SlowStart

    /// Creates a policy.
    /// - Parameters:
    ///   - slowStart: the ramp for targets that become available; 0 for none.
    ///   - seed: the random seed for tie-breaking; nil for a system seed.
    ///   - clock: the clock of the targets' states, for slow start.
    public init(slowStart: Duration = .zero, seed: UInt64? = nil, clock: any MonotonicClock = SystemClock()) {
        self.random = RandomSource(seed: seed)
        self.slowStart = SlowStart(slowStart, clock: clock)
    }

    public func pick(_ request: PickRequest, from candidates: Candidates, admit: (Int) -> Bool) -> Int? {
        let now = slowStart.now()
        var best: (index: Int, load: Load)?
        var ties = TieBreaker()
        for index in 0..<candidates.count where candidates.isSelectable(index) {
            let load = Load(
                connections: candidates.activeConnections(index), weight: candidates.weight(index, slowStart: slowStart, at: now))
            if let current = best, !load.isLighter(than: current.load) {
                if !current.load.isLighter(than: load), ties.replacesOnTie(weight: load.weight, drawingFrom: random) {
                    best = (index, load)
                }
            } else {
                best = (index, load)
                ties.restart(weight: load.weight)
            }
        }
        guard let best else { return nil }
        return admit(best.index) ? best.index : candidates.offerInOrder(from: best.index + 1, admit: admit)
    }
}

/// The power of two random choices (`power-of-two`): draws two distinct targets at random and picks the one with
/// fewer active connections for its weight (as `least-connections` measures it), so a loaded target is avoided
/// without scanning the pool.
///
/// Thread-safety: lock-free; one draw from an atomic counter (`RandomSource`) and two connection-count reads.
public final class PowerOfTwoPolicy: BalancingPolicy {
    /// The name that selects this policy in the configuration.
    public static let configName = "power-of-two"

    private let random: RandomSource
    private let slowStart: SlowStart

    /// Creates a policy.
    /// - Parameters:
    ///   - slowStart: the ramp for targets that become available; 0 for none.
    ///   - seed: the random seed; nil for a system seed.
    ///   - clock: the clock of the targets' states, for slow start.
    public init(slowStart: Duration = .zero, seed: UInt64? = nil, clock: any MonotonicClock = SystemClock()) {
        self.random = RandomSource(seed: seed)
        self.slowStart = SlowStart(slowStart, clock: clock)
    }

    public func pick(_ request: PickRequest, from candidates: Candidates, admit: (Int) -> Bool) -> Int? {
        let count = candidates.count
        guard count > 1 else { return candidates.offerInOrder(from: 0, admit: admit) }
        let bits = random.next()
        let first = UInt64(UInt32(truncatingIfNeeded: bits)).scaled32(below: count)
        var second = (bits >> 32).scaled32(below: count - 1)
        if second >= first {
            second += 1
        }
        var (winner, loser) = (first, second)
        switch (candidates.isSelectable(first), candidates.isSelectable(second)) {
        case (true, true):
            let now = slowStart.now()
            let firstLoad = candidates.load(first, slowStart: slowStart, at: now)
            let secondLoad = candidates.load(second, slowStart: slowStart, at: now)
            if secondLoad.isLighter(than: firstLoad) {
                (winner, loser) = (second, first)
            }
        case (true, false):
            loser = -1
        case (false, true):
            (winner, loser) = (second, -1)
        case (false, false):
            return candidates.offerInOrder(from: first, admit: admit)
        }
        if admit(winner) {
            return winner
        }
        if loser >= 0, candidates.isSelectable(loser), admit(loser) {
            return loser
        }
        return candidates.offerInOrder(from: winner + 1, admit: admit)
    }
}

/// A target's load for comparison: its active connections plus the one being placed, over its effective weight.
struct Load {
    var connections: Int
    var weight: Int

    /// Whether this load per weight is strictly below `other`'s (compared without division; connection counts and
    /// weights in 1/1024ths are far too small for the products to overflow).
    func isLighter(than other: Load) -> Bool {
        connections &* other.weight < other.connections &* weight
    }
}

extension Candidates {
    /// The load of the target at `index`, its weight ramped by `slowStart` at clock reading `now`.
    @inline(__always)
    func load(_ index: Int, slowStart: SlowStart, at now: UInt64) -> Load {
        Load(connections: activeConnections(index) + 1, weight: weight(index, slowStart: slowStart, at: now))
    }
}

extension UInt64 {
    /// These bits, taken as a 32-bit random number, mapped onto `0..<bound` (bound ≤ 2^32) by multiply-high.
    func scaled32(below bound: Int) -> Int {
        Int(truncatingIfNeeded: ((self & 0xFFFF_FFFF) &* UInt64(bound)) >> 32)
    }
}
