import Benchmark
import SwitchyardBalancing
import SwitchyardTraffic

/// ns and mallocs per pick for every policy at 4, 16 and 256 targets, and for a pool's whole pick with and without
/// sticky sessions; each sample is 1,000 picks.
///
/// Targets have weights 1 to 4 and hold 0 to 4 connections (by index), so the least-load policies meet unequal
/// loads and some ties. Every pick passes one stored request and an `admit` that reserves nothing, so what is
/// measured is the policy's choice alone (the data path builds each request once and moves it in). `lru-per-host`
/// picks for one host, so after warm-up its history always holds the full 100 entries.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        warmupIterations: 2,
        scalingFactor: .kilo,
        maxDuration: .seconds(1),
        maxIterations: 2_000
    )

    let request = PickRequest(destination: "api.example.com", clientAddress: "198.51.100.7", hashKey: "user-42")
    for count in [4, 16, 256] {
        let targets = (0..<count).map { index in
            let target = BalancingTarget(id: "192.0.2.\(index)", weight: 1 + index % 4, maxConnections: 1_000)
            for _ in 0..<index % 5 { _ = target.connections.tryAcquire() }
            return target
        }
        let candidates = Candidates(targets)
        for name in BalancingPolicyRegistry.names {
            let policy = BalancingPolicyRegistry.make(
                name: name, configuration: PolicyConfiguration(), clock: SystemClock())!
            Benchmark("\(name) \(count)") { benchmark in
                for _ in benchmark.scaledIterations {
                    blackHole(policy.pick(request, from: candidates) { _ in true })
                }
            }
        }
    }

    let targets = (0..<16).map { BalancingTarget(id: "192.0.2.\($0)", weight: 1, maxConnections: 1_000) }
    let candidates = Candidates(targets)
    let rampingConfiguration = PolicyConfiguration(slowStart: .seconds(30))
    let ramping = BalancingPolicyRegistry.make(
        name: "weighted-round-robin", configuration: rampingConfiguration, clock: SystemClock())!
    Benchmark("weighted-round-robin 16, slow_start on") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(ramping.pick(request, from: candidates) { _ in true })
        }
    }

    let pool = TargetPool(name: "bench", targets: targets, policy: RoundRobinPolicy())
    Benchmark("TargetPool acquire+report+release, round-robin 16") { benchmark in
        for _ in benchmark.scaledIterations {
            let target = pool.acquire(request)!
            pool.report(target, outcome: .success(latency: .milliseconds(3)))
            target.connections.release()
        }
    }

    // The same with sticky sessions: 10,000 keys pinned, each pick a held key (the lookup, the admission and the
    // pin's refresh), and the touch a lease makes when its connection ends.
    let sticky = StickyTable(options: StickyOptions(key: .header("X-Session-Id")))
    let stickyPool = TargetPool(name: "bench", targets: targets, policy: RoundRobinPolicy(), sticky: sticky)
    let keyed = (0..<10_000).map { key in
        var keyed = request
        keyed.stickyKey = "session-\(key)"
        return keyed
    }
    for request in keyed { stickyPool.acquire(request)!.connections.release() }
    Benchmark("TargetPool acquire+report+release, round-robin 16, sticky held") { benchmark in
        var next = 0
        for _ in benchmark.scaledIterations {
            let request = keyed[next]
            next = next == keyed.count - 1 ? 0 : next + 1
            let target = stickyPool.acquire(request)!
            stickyPool.report(target, outcome: .success(latency: .milliseconds(3)))
            sticky.touch(request.stickyKey!, target: target.id)
            target.connections.release()
        }
    }
}
