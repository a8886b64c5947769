import SwitchyardBalancing
import SwitchyardTraffic
import Testing

@Suite struct RoundRobinTests {
    @Test func roundRobinTakesTurnsAndSkipsTargetsOutOfSelection() {
        let targets = makeTargets(3)
        let policy = RoundRobinPolicy()
        #expect(picks(6, policy, targets) == [0, 1, 2, 0, 1, 2])
        targets[1].state.isDraining = true
        #expect(tally(picks(300, policy, targets), targets: 3)[1] == 0)
    }

    @Test func smoothWeightedRoundRobinInterleavesLikeNginx() {
        let policy = WeightedRoundRobinPolicy()
        let sequence = picks(14, policy, makeTargets(3, weights: [5, 1, 1]))
        let names = sequence.map { ["a", "b", "c"][$0] }.joined(separator: " ")
        #expect(names == "a a b a c a a a a b a c a a")
    }

    @Test(arguments: [[5, 1, 1], [3, 2, 1, 4], [10, 1], [1, 1, 1, 1], [7, 0, 3]])
    func everyCycleHasExactProportionsAndShortBursts(weights: [Int]) {
        let policy = WeightedRoundRobinPolicy()
        let total = weights.reduce(0, +)
        let sequence = picks(total * 20, policy, makeTargets(weights.count, weights: weights))
        for cycle in 0..<20 {
            let counts = tally(Array(sequence[cycle * total..<(cycle + 1) * total]), targets: weights.count)
            #expect(counts == weights)
        }
        // No target runs longer than one more than its weight over the others' total, rounded up: for 5, 1, 1 that
        // is 4 (`a a` ending one cycle, `a a` starting the next), where plain round-robin by weight gives 5.
        for (index, weight) in weights.enumerated() where weight > 0 && weight < total {
            let others = total - weight
            #expect(longestRun(of: index, in: sequence) <= (weight + others - 1) / others + 1)
        }
    }

    @Test func weightedRoundRobinSkipsTargetsOutOfSelection() {
        let targets = makeTargets(3, weights: [2, 1, 1])
        let policy = WeightedRoundRobinPolicy()
        targets[0].state.isHealthy = false
        #expect(tally(picks(40, policy, targets), targets: 3) == [0, 20, 20])
    }

    private func longestRun(of index: Int, in sequence: [Int]) -> Int {
        var (longest, current) = (0, 0)
        for pick in sequence {
            current = pick == index ? current + 1 : 0
            longest = max(longest, current)
        }
        return longest
    }
}
