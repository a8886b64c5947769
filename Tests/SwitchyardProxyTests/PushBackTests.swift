import Foundation
import Testing

/// Destination push-back end to end: a host that answers one egress address with 429 and `Retry-After` stops getting
/// requests from that address for that long, while the other addresses keep serving it and the pushed-back address
/// keeps serving other hosts.
@Suite(.timeLimit(.minutes(1)))
struct PushBackTests {
    @Test func aHostPushingBackOneAddressIsServedByTheOthers() async throws {
        let yaml = ProxyHarness.forwardYAML(sourceIPs: EgressDistributionTests.sourceIPs, policy: "round-robin")
        try await withProxy(yaml: yaml) { proxy, throttling in
            let other = try await TestOrigin.start(group: proxy.group)
            defer { Task { await other.stop() } }
            // One request every 50 ms, alternating between the throttling host and another one, for 3 s and until the
            // throttling host has seen .3 twice (at most 8 s, for a slow machine).
            let requests = [
                "GET http://127.0.0.1:\(throttling.port)/throttle?ip=127.0.0.3&retry_after=2 HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:\(throttling.port)\r\n\r\n",
                "GET http://127.0.0.1:\(other.port)/ip HTTP/1.1\r\nHost: 127.0.0.1:\(other.port)\r\n\r\n",
            ]
            let port = proxy.port
            let answers = try await HTTPLoad.onThread {
                let client = try RawClient(port: port)
                let start = ContinuousClock.now
                var answers: [Answer] = []
                while ContinuousClock.now < start + .seconds(8),
                    ContinuousClock.now < start + .seconds(3)
                        || throttling.requests.filter({ $0.sourceIP == "127.0.0.3" }).count < 2
                {
                    answers.append(try client.exchange(requests[answers.count % 2]))
                    Thread.sleep(forTimeInterval: 0.05)
                }
                return answers
            }
            let toThrottling = stride(from: 0, to: answers.count, by: 2).map { answers[$0] }
            let seen = Dictionary(grouping: throttling.requests, by: \.sourceIP)
            let pushedBack = (seen["127.0.0.3"] ?? []).map(\.arrival)
            let servedByOthers: Int = (seen["127.0.0.2"]?.count ?? 0) + (seen["127.0.0.4"]?.count ?? 0)
            let counts = seen.mapValues(\.count)

            // Only .3 got 429, and the client saw exactly those; .2 and .4 served everything else with 200.
            #expect(toThrottling.filter { $0.status == 429 }.count == pushedBack.count)
            #expect(toThrottling.filter { $0.status == 200 }.count == servedByOthers)
            #expect(toThrottling.allSatisfy { [200, 429].contains($0.status) })
            #expect(counts["127.0.0.2", default: 0] >= 5, "\(counts)")
            #expect(counts["127.0.0.4", default: 0] >= 5, "\(counts)")
            // .3 was tried, left alone for the 2 s it was asked to, then tried again.
            #expect(pushedBack.count >= 2, "\(pushedBack)")
            for (earlier, later) in zip(pushedBack, pushedBack.dropFirst()) {
                #expect(later - earlier >= .milliseconds(1900), "\(later - earlier)")
                #expect(later - earlier < .milliseconds(3000), "\(later - earlier)")
            }
            // Meanwhile .3 kept serving the other host, including while it was pushed back from the first.
            let otherFromThree = other.requests.filter { $0.sourceIP == "127.0.0.3" }.map(\.arrival)
            let first = try #require(pushedBack.first)
            #expect(otherFromThree.contains { $0 > first && $0 < first + .milliseconds(1900) })
            #expect(stride(from: 1, to: answers.count, by: 2).allSatisfy { answers[$0].status == 200 })
        }
    }
}
