import SwitchyardBalancing
import SwitchyardTraffic

/// Targets `t0`, `t1`, … with weight 1 and the given connection limit.
func makeTargets(_ count: Int, maxConnections: Int = 1_000_000) -> [BalancingTarget] {
    (0..<count).map { BalancingTarget(id: "t\($0)", weight: 1, maxConnections: maxConnections) }
}

/// Picks for `host` with an `admit` that reserves nothing, so connection limits never interfere.
func pickIndex(_ policy: some BalancingPolicy, _ host: String, _ targets: [BalancingTarget]) -> Int? {
    policy.pick(PickRequest(destination: host), from: targets) { _ in true }
}

/// How many times each index occurs in `picks`.
func tally(_ picks: [Int], targets: Int) -> [Int] {
    var counts = Array(repeating: 0, count: targets)
    for pick in picks {
        counts[pick] += 1
    }
    return counts
}
