import Testing

/// Rate limits end to end: how many requests a limit lets through per second, and how `target_and_host` spreads one
/// host's traffic over the egress addresses without any address exceeding its budget.
@Suite(.timeLimit(.minutes(1)))
struct RateLimitTests {
    /// Four keep-alive clients sending as fast as the limit answers (a 429 closes the connection, so they reconnect)
    /// for 5 s through a listener limited to 100/s: about 500 get through (plus the token bucket's burst of 10), the
    /// rest get 429 with `Retry-After`.
    @Test(arguments: [
        "{ key: listener, algorithm: token_bucket, rate: 100/s, burst: 10 }",
        "{ key: listener, algorithm: sliding_window, rate: 100/s, window: 1s }",
    ])
    func listenerLimitHoldsItsRate(limit: String) async throws {
        let yaml = ProxyHarness.forwardYAML(listenerExtra: "    rate_limits: [ \(limit) ]\n")
        try await withProxy(yaml: yaml) { proxy, origin in
            let request = "GET http://127.0.0.1:\(origin.port)/ HTTP/1.1\r\nHost: 127.0.0.1:\(origin.port)\r\n\r\n"
            let answers = try await HTTPLoad.run(
                port: proxy.port, clients: 4, for: .seconds(5), pause: .milliseconds(5)) { _ in request }
            let allowed = answers.filter { $0.status == 200 }
            let limited = answers.filter { $0.status == 429 }
            #expect(allowed.count + limited.count == answers.count, "\(answers.statusCounts)")
            let expected: ClosedRange<Int> = (5 * 95 + 10)...(5 * 105 + 10)
            #expect(expected.contains(allowed.count), "\(answers.statusCounts)")
            // The clients offered more than the limit (had they offered less, `allowed` would fall short above).
            #expect(!limited.isEmpty, "the clients offered above the limit")
            #expect(limited.allSatisfy { Int($0.headers["retry-after"] ?? "") ?? 0 >= 1 })
            #expect(origin.requests.count == allowed.count)
        }
    }

    /// `target_and_host` at 5/s over three egress addresses: one host gets about 15/s, and at the origin no address
    /// sends more than 5 in any second (plus the burst of 1).
    @Test func targetAndHostSpreadsOneHostOverTheAddresses() async throws {
        let yaml = ProxyHarness.forwardYAML(
            sourceIPs: EgressDistributionTests.sourceIPs,
            poolExtra: "    rate_limits: [ { key: target_and_host, algorithm: token_bucket, rate: 5/s, burst: 1 } ]\n")
        try await withProxy(yaml: yaml) { proxy, origin in
            let request = "GET http://127.0.0.1:\(origin.port)/ip HTTP/1.1\r\nHost: 127.0.0.1:\(origin.port)\r\n\r\n"
            let answers = try await HTTPLoad.run(
                port: proxy.port, clients: 3, for: .seconds(3), pause: .milliseconds(10)) { _ in request }
            let allowed = answers.filter { $0.status == 200 }
            #expect(allowed.count + answers.filter { $0.status == 429 }.count == answers.count, "\(answers.statusCounts)")
            #expect(origin.requests.count == allowed.count)
            // 3 addresses × (1 + 5/s × 3 s) = 48 at most; about 15/s sustained gives 45 (38 leaves room for a slow
            // machine's client stalling now and then).
            #expect((38...49).contains(origin.requests.count), "\(answers.statusCounts)")
            let byAddress = Dictionary(grouping: origin.requests, by: \.sourceIP)
            #expect(byAddress.keys.sorted() == EgressDistributionTests.sourceIPs)
            for (address, requests) in byAddress {
                let times = requests.map(\.arrival).sorted()
                #expect((12...17).contains(times.count), "\(address): \(times.count)")
                for (index, start) in times.enumerated() {
                    let inOneSecond = times[index...].prefix { $0 - start < .seconds(1) }.count
                    #expect(inOneSecond <= 6, "\(address) sent \(inOneSecond) within one second")
                }
            }
        }
    }
}
