import SwitchyardBalancing
import SwitchyardTraffic
import Testing

@Suite struct RandomTests {
    /// The chi-square value a fair draw exceeds with probability 0.001, for 7 degrees of freedom.
    private static let criticalFor7 = 24.32

    @Test func randomIsUniformByChiSquare() {
        let counts = tally(picks(80_000, RandomPolicy(seed: 42), makeTargets(8)), targets: 8)
        let statistic = chiSquare(counts, expectedShares: Array(repeating: 1.0 / 8, count: 8))
        #expect(statistic < Self.criticalFor7, "chi-square \(statistic) for \(counts)")
    }

    @Test func weightedRandomFollowsWeightsByChiSquare() {
        let weights = [1, 2, 3, 4, 5, 6, 7, 8]
        let policy = WeightedRandomPolicy(seed: 7)
        let counts = tally(picks(90_000, policy, makeTargets(8, weights: weights)), targets: 8)
        let statistic = chiSquare(counts, expectedShares: weights.map { Double($0) / 36 })
        #expect(statistic < Self.criticalFor7, "chi-square \(statistic) for \(counts)")
    }

    @Test func aFixedSeedRepeatsItsDraws() {
        let targets = makeTargets(16)
        #expect(picks(50, RandomPolicy(seed: 1), targets) == picks(50, RandomPolicy(seed: 1), targets))
        #expect(picks(50, RandomPolicy(seed: 1), targets) != picks(50, RandomPolicy(seed: 2), targets))
    }

    @Test func randomPoliciesNeverPickATargetOutOfSelection() {
        let targets = makeTargets(4)
        targets[2].state.isEnabled = false
        #expect(tally(picks(1_000, RandomPolicy(seed: 3), targets), targets: 4)[2] == 0)
        #expect(tally(picks(1_000, WeightedRandomPolicy(seed: 3), targets), targets: 4)[2] == 0)
    }
}
