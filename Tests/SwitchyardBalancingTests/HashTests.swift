import SwitchyardBalancing
import SwitchyardTraffic
import Testing

@Suite struct HashTests {
    private static let clients = (0..<2_000).map { "10.0.\($0 / 250).\($0 % 250)" }

    @Test func ipHashKeepsEachClientOnOneTargetAndSpreadsClients() {
        let targets = makeTargets(4)
        let policy = IPHashPolicy()
        var counts = [0, 0, 0, 0]
        for client in Self.clients {
            let request = PickRequest(destination: "a.com", clientAddress: client)
            let chosen = Set((0..<5).map { _ in policy.pick(request, from: targets) { _ in true }! })
            #expect(chosen.count == 1)
            counts[chosen.first!] += 1
        }
        #expect(counts.allSatisfy { (400...600).contains($0) }, "\(counts)")
    }

    @Test func ipHashMovesAClientOffAnUnselectableTargetAndBack() {
        let targets = makeTargets(4)
        let policy = IPHashPolicy()
        let request = PickRequest(destination: "a.com", clientAddress: "192.0.2.7")
        let home = policy.pick(request, from: targets) { _ in true }!
        targets[home].state.isHealthy = false
        let away = Set((0..<5).map { _ in policy.pick(request, from: targets) { _ in true }! })
        #expect(away.count == 1 && !away.contains(home))
        targets[home].state.isHealthy = true
        #expect(policy.pick(request, from: targets) { _ in true } == home)
    }

    @Test func consistentHashIsStickyOnTheHashKey() {
        let targets = makeTargets(5)
        let policy = ConsistentHashPolicy()
        for key in ["session-1", "session-2", "session-3"] {
            let chosen = Set(
                Self.clients.prefix(20).map { client in
                    let request = PickRequest(destination: "a.com", clientAddress: client, hashKey: key)
                    return policy.pick(request, from: targets) { _ in true }!
                })
            #expect(chosen.count == 1)
        }
    }

    @Test(arguments: [5, 10, 20])
    func removingOneOfNTargetsRemapsAboutOneNthOfTheKeys(count: Int) {
        let targets = makeTargets(count)
        let removed = count / 2
        let remaining = targets.enumerated().filter { $0.offset != removed }.map(\.element)
        let before = assignment(ConsistentHashPolicy(), targets)
        let after = assignment(ConsistentHashPolicy(), remaining)
        let moved = zip(before, after).filter { $0 != $1 }.count
        let movedFromOthers = zip(before, after).filter { $0 != $1 && $0 != "t\(removed)" }.count
        let share = Double(moved) / Double(before.count)
        #expect(share > 0.5 / Double(count) && share < 1.5 / Double(count), "moved \(share)")
        #expect(Double(movedFromOthers) / Double(before.count) < 0.5 / Double(count), "\(movedFromOthers)")
    }

    @Test func boundedLoadKeepsEveryTargetUnderTheCap() {
        let targets = makeTargets(4)
        let pool = TargetPool(name: "p", targets: targets, policy: ConsistentHashPolicy(loadFactor: 1.25))
        let hot = PickRequest(destination: "a.com", hashKey: "everyone-wants-this")
        let first = pool.acquire(hot)!
        for held in 2...200 {
            _ = pool.acquire(held.isMultiple(of: 3) ? PickRequest(destination: "a.com", hashKey: "k\(held)") : hot)
            let active = targets.map(\.connections.active)
            let cap = (1.25 * Double(held) / 4).rounded(.up)
            #expect(active.allSatisfy { Double($0) <= cap }, "\(active) above \(cap)")
        }
        #expect(first.connections.active >= 60)
    }

    /// The target id each of 10,000 keys maps to.
    private func assignment(_ policy: ConsistentHashPolicy, _ targets: [BalancingTarget]) -> [String] {
        (0..<10_000).map { key in
            let request = PickRequest(destination: "a.com", hashKey: "key-\(key)")
            return targets[policy.pick(request, from: targets) { _ in true }!].id
        }
    }
}
