import Foundation
import SwitchyardConfig
import Synchronization
import Testing

/// Pools that take their targets from DNS, end to end against the loopback DNS server: as the records change,
/// targets join and leave while a steady stream of requests keeps succeeding.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DNSDiscoveryTests {
    func yaml(dns: LoopbackDNSServer, discover: String) -> String {
        dns.reverseYAML(
            pool: """
                    policy: weighted-round-robin
                    policy_options: { slow_start: 6s }
                    discover: \(discover)

                """)
    }

    final class Flag: Sendable {
        let isSet = Mutex(false)
    }

    /// Sends requests to the proxy on `port` one after another, on a thread of its own, until `stop` is set; gives
    /// every status.
    func load(port: Int, until stop: Flag) async throws -> [Int] {
        try await HTTPLoad.onThread {
            var statuses: [Int] = []
            while !stop.isSet.withLock({ $0 }) {
                let answer = try RawClient(port: port).exchange(
                    "GET /hello HTTP/1.1\r\nHost: site\r\nConnection: close\r\n\r\n")
                statuses.append(answer.status)
                usleep(5_000)
            }
            return statuses
        }
    }

    func targets(_ proxy: ProxyHarness) -> [String] {
        proxy.runtime.config.pool(named: "backends")?.targets.map(\.id) ?? []
    }

    @Test func addressRecordsAddThenDrainTargetsWhileRequestsKeepSucceeding() async throws {
        try await withResources { resources in
            let first = resources.track(try await TestOrigin.start(group: resources.group))
            let port = first.port
            let second = resources.track(
                try await TestOrigin.start(group: resources.group, host: "127.0.0.2", port: port))
            let dns = resources.track(try await LoopbackDNSServer.start(["web.test": [.a("127.0.0.1")]]))
            let proxy = resources.track(
                try await ProxyHarness(
                    yaml: yaml(dns: dns, discover: "{ dns: web.test, type: A, port: \(port), interval: 1s }")))
            #expect(try await eventually(within: 10) { targets(proxy) == ["http://127.0.0.1:\(port)"] })

            try await Task.sleep(for: .seconds(6))  // the first target's own slow start is over
            let stop = Flag()
            let proxyPort = proxy.port
            async let statuses = load(port: proxyPort, until: stop)
            try dns.setRecords(["web.test": [.a("127.0.0.1"), .a("127.0.0.2")]])
            #expect(try await eventually(within: 15) { targets(proxy).count == 2 })
            #expect(targets(proxy) == ["http://127.0.0.1:\(port)", "http://127.0.0.2:\(port)"])
            let before = (first.requests.count, second.requests.count)
            try await Task.sleep(for: .seconds(1))
            let gained = (first.requests.count - before.0, second.requests.count - before.1)
            #expect(gained.1 > 0, "the new target took traffic")
            #expect(
                gained.1 * 100 < (gained.0 + gained.1) * 35,
                "in its first second of a 6 s slow start the new target gets well under half: \(gained)")

            try dns.setRecords(["web.test": [.a("127.0.0.2")]])
            #expect(try await eventually(within: 15) { targets(proxy) == ["http://127.0.0.2:\(port)"] })
            let drained = first.requests.count
            try await Task.sleep(for: .milliseconds(500))
            #expect(first.requests.count == drained, "the vanished target takes no new requests")

            try dns.setRecords([:])
            try await Task.sleep(for: .milliseconds(1500))
            #expect(targets(proxy) == ["http://127.0.0.2:\(port)"], "a name gone from DNS keeps the last targets")
            stop.isSet.withLock { $0 = true }
            let seen = try await statuses
            #expect(seen.count > 20)
            #expect(seen.allSatisfy { $0 == 200 }, "every request succeeded: \(Set(seen))")
        }
    }

    @Test func serviceRecordsNameHostsPortsAndWeights() async throws {
        try await withResources { resources in
            let first = resources.track(try await TestOrigin.start(group: resources.group))
            let second = resources.track(try await TestOrigin.start(group: resources.group))
            let dns = resources.track(
                try await LoopbackDNSServer.start([
                    "_http._tcp.web.test": [
                        .srv(target: "node.test", port: first.port, weight: 3),
                        .srv(target: "node.test", port: second.port, weight: 1),
                        .srv(target: "backup.test", port: 1, priority: 9),
                    ],
                    "node.test": [.a("127.0.0.1", ttl: 60)],
                ]))
            let proxy = resources.track(
                try await ProxyHarness(yaml: yaml(dns: dns, discover: "{ dns: _http._tcp.web.test, type: SRV }")))
            #expect(try await eventually(within: 10) { targets(proxy).count == 2 })
            let pool = try #require(proxy.runtime.config.pool(named: "backends"))
            #expect(
                pool.targets == [
                    TargetSettings(url: "http://node.test:\(first.port)", weight: 3),
                    TargetSettings(url: "http://node.test:\(second.port)", weight: 1),
                ], "only the lowest priority, with the records' weights")
            let proxyPort = proxy.port
            let statuses = try await HTTPLoad.onThread {
                try (0..<4).map { _ in
                    try RawClient(port: proxyPort).exchange(
                        "GET /hello HTTP/1.1\r\nHost: site\r\nConnection: close\r\n\r\n"
                    ).status
                }
            }
            #expect(statuses == [200, 200, 200, 200])
            #expect(first.requests.count + second.requests.count == 4)
            #expect(first.requests.count > 0 && second.requests.count > 0)
        }
    }
}
