import SwitchyardBalancing
import SwitchyardTraffic
import Testing

@Suite struct ConcurrencyTests {
    /// Many tasks acquire, report and release through one pool at once: no target ever exceeds its limit, every
    /// acquisition is released, and the counts end at exactly 0.
    @Test(arguments: BalancingPolicyRegistry.names)
    func countsStayExactUnderConcurrentSelectAndRelease(name: String) async {
        let clock = SystemClock()
        let configuration = PolicyConfiguration(slowStart: .seconds(1), randomSeed: 1)
        let policy = BalancingPolicyRegistry.make(name: name, configuration: configuration, clock: clock)!
        let targets = makeTargets(4, maxConnections: 3, weights: [1, 2, 3, 4], clock: clock)
        let pool = TargetPool(name: "p", targets: targets, policy: policy, configuration: configuration, clock: clock)
        let (acquired, overLimit) = await withTaskGroup(of: (Int, Int).self) { group in
            for task in 0..<16 {
                group.addTask {
                    var (acquired, overLimit) = (0, 0)
                    for round in 0..<500 {
                        let request = PickRequest(destination: "h\(round % 7).com", clientAddress: "10.0.0.\(task)")
                        guard let target = pool.acquire(request) else { continue }
                        acquired += 1
                        if target.connections.active > target.connections.limit {
                            overLimit += 1
                        }
                        let outcome: Outcome =
                            round.isMultiple(of: 5) ? .failure(latency: nil) : .success(latency: .microseconds(round))
                        pool.report(target, outcome: outcome)
                        target.connections.release()
                    }
                    return (acquired, overLimit)
                }
            }
            return await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        }
        #expect(acquired > 0)
        #expect(overLimit == 0)
        #expect(targets.map(\.connections.active) == [0, 0, 0, 0])
    }
}
