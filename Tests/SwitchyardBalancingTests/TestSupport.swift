import SwitchyardBalancing
import SwitchyardTraffic

/// Targets `t0`, `t1`, … with the given weights (1 each by default) and connection limit, their state on `clock`.
func makeTargets(
    _ count: Int, maxConnections: Int = 1_000_000, weights: [Int]? = nil, clock: any MonotonicClock = ManualClock()
) -> [BalancingTarget] {
    (0..<count).map {
        BalancingTarget(
            id: "t\($0)", weight: weights?[$0] ?? 1, maxConnections: maxConnections, state: TargetState(clock: clock))
    }
}

/// Picks for `host` with an `admit` that reserves nothing, so connection limits never interfere.
func pickIndex(_ policy: some BalancingPolicy, _ host: String, _ targets: [BalancingTarget]) -> Int? {
    policy.pick(PickRequest(destination: host), from: targets) { _ in true }
}

/// `count` picks of `request` that reserve nothing.
func picks(
    _ count: Int, _ policy: some BalancingPolicy, _ targets: [BalancingTarget],
    request: PickRequest = PickRequest(destination: "a.com")
) -> [Int] {
    (0..<count).map { _ in policy.pick(request, from: targets) { _ in true }! }
}

/// How many times each index occurs in `picks`.
func tally(_ picks: [Int], targets: Int) -> [Int] {
    var counts = Array(repeating: 0, count: targets)
    for pick in picks {
        counts[pick] += 1
    }
    return counts
}

/// Pearson's chi-square statistic of `observed` counts against `expected` shares (which sum to 1).
func chiSquare(_ observed: [Int], expectedShares: [Double]) -> Double {
    let total = Double(observed.reduce(0, +))
    return zip(observed, expectedShares).reduce(0) { sum, pair in
        let expected = total * pair.1
        return sum + (Double(pair.0) - expected) * (Double(pair.0) - expected) / expected
    }
}

/// Holds `count` connections on `target`, as if that many requests were in flight.
func load(_ target: BalancingTarget, with count: Int) {
    for _ in 0..<count {
        precondition(target.connections.tryAcquire())
    }
}
