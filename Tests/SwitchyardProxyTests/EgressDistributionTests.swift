import Testing

/// The LRU-per-host policy end to end: which source address the origin sees.
@Suite(.timeLimit(.minutes(3)))
struct EgressDistributionTests {
    static let sourceIPs = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]

    private func counts(_ origin: TestOrigin) -> [String: Int] {
        origin.requests.reduce(into: [:]) { $0[$1.sourceIP, default: 0] += 1 }
    }

    @Test func sequentialRequestsSpreadEvenly() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML(sourceIPs: Self.sourceIPs)) { proxy, origin in
            let result = try Subprocess.curl(
                ["-x", proxy.proxyURL, "-o", "/dev/null", "http://127.0.0.1:\(origin.port)/ip?[1-300]"]
            )
            #expect(result.status == 0, "\(result.stderr)")
            let seen = counts(origin)
            #expect(seen.keys.sorted() == Self.sourceIPs)
            for ip in Self.sourceIPs { #expect(abs(seen[ip, default: 0] - 100) <= 1, "\(seen)") }
        }
    }

    @Test func concurrentRequestsSpreadEvenly() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML(sourceIPs: Self.sourceIPs)) { proxy, origin in
            let result = try Subprocess.curl(
                ["-x", proxy.proxyURL, "--parallel", "--parallel-max", "30", "--parallel-immediate",
                 "-o", "/dev/null", "http://127.0.0.1:\(origin.port)/ip?[1-300]"]
            )
            #expect(result.status == 0, "\(result.stderr)")
            #expect(origin.requests.count == 300)
            let seen = counts(origin)
            for ip in Self.sourceIPs { #expect(abs(seen[ip, default: 0] - 100) <= 1, "\(seen)") }
        }
    }

    @Test func twoHostsKeepIndependentHistories() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML(sourceIPs: Self.sourceIPs)) { proxy, originA in
            let originB = try await TestOrigin.start(group: proxy.group)
            defer { Task { await originB.stop() } }
            // A, B, B, A, A, B, ...: a shared history would skew each host; separate ones rotate each perfectly.
            var urls: [String] = []
            for index in 0..<60 {
                let first = index % 2 == 0 ? originA.port : originB.port
                let second = index % 2 == 0 ? originB.port : originA.port
                urls += ["http://127.0.0.1:\(first)/ip", "http://127.0.0.1:\(second)/ip"]
            }
            let result = try Subprocess.curl(["-x", proxy.proxyURL, "-o", "/dev/null"] + urls.flatMap { [$0] })
            #expect(result.status == 0, "\(result.stderr)")
            for origin in [originA, originB] {
                let sequence = origin.requests.map(\.sourceIP)
                #expect(sequence.count == 60)
                for window in stride(from: 0, to: 60, by: 3) {
                    #expect(Set(sequence[window..<window + 3]).count == 3, "\(sequence)")
                }
            }
        }
    }

    @Test func connectTunnelsLeaveFromTheChosenSourceAddress() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML(sourceIPs: Self.sourceIPs)) { proxy, origin in
            for _ in 0..<6 {
                let result = try Subprocess.curl(["-p", "-x", proxy.proxyURL, "http://127.0.0.1:\(origin.port)/ip"])
                #expect(result.status == 0, "\(result.stderr)")
            }
            #expect(counts(origin) == ["127.0.0.2": 2, "127.0.0.3": 2, "127.0.0.4": 2])
        }
    }
}

/// Other policies through the forward proxy: the weights and the hash hold end to end.
@Suite(.timeLimit(.minutes(2)))
struct EgressPolicyTests {
    @Test func smoothWeightedRoundRobinHonoursWeights() async throws {
        let yaml = ProxyHarness.forwardYAML(
            sourceIPs: EgressDistributionTests.sourceIPs, weights: [3, 2, 1], policy: "weighted-round-robin")
        try await withProxy(yaml: yaml) { proxy, origin in
            let result = try Subprocess.curl(["-x", proxy.proxyURL, "-o", "/dev/null", "http://127.0.0.1:\(origin.port)/ip?[1-600]"])
            #expect(result.status == 0, "\(result.stderr)")
            let seen = origin.requests.reduce(into: [String: Int]()) { $0[$1.sourceIP, default: 0] += 1 }
            #expect(seen == ["127.0.0.2": 300, "127.0.0.3": 200, "127.0.0.4": 100])
        }
    }

    @Test func consistentHashOnTheDestinationKeepsEachHostOnOneAddress() async throws {
        let yaml = ProxyHarness.forwardYAML(
            sourceIPs: EgressDistributionTests.sourceIPs, policy: "consistent-hash",
            policyOptions: "{ hash_key: destination_host }")
        try await withProxy(yaml: yaml) { proxy, origin in
            // Four destination hosts: 127.0.0.1 and localhost on the origin's port, plus two extra origins.
            let second = try await TestOrigin.start(group: proxy.group)
            let third = try await TestOrigin.start(group: proxy.group)
            let urls = (0..<20).flatMap { _ in
                ["http://127.0.0.1:\(origin.port)/ip", "http://localhost:\(origin.port)/ip",
                 "http://127.0.0.1:\(second.port)/ip", "http://127.0.0.1:\(third.port)/ip"]
            }
            let result = try Subprocess.curl(["-x", proxy.proxyURL, "-o", "/dev/null"] + urls)
            #expect(result.status == 0, "\(result.stderr)")
            let byHost = Dictionary(grouping: origin.requests, by: { $0.headers["host"].first ?? "" })
            for (_, requests) in byHost { #expect(Set(requests.map(\.sourceIP)).count == 1) }
            for other in [second, third] {
                #expect(other.requests.count == 20)
                #expect(Set(other.requests.map(\.sourceIP)).count == 1)
            }
            await second.stop()
            await third.stop()
        }
    }
}
