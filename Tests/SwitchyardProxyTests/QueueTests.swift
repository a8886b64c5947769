import Foundation
import Testing

/// The wait queue end to end: with the only connection slot taken, requests wait and are served by class weight;
/// an expired wait and a full queue give 503 with `Retry-After`.
@Suite(.timeLimit(.minutes(1)))
struct QueueTests {
    private func yaml(queue: String) -> ([Int]) -> String {
        { ports in
            ReverseSetup.yaml(
                routes: "      - pool: web",
                pools: [
                    .init(name: "web", ports: ports, extra: "    max_connections_per_target: 1\n    queue: \(queue)\n")
                ])
        }
    }

    private static func request(_ path: String, priority: String? = nil) -> String {
        "GET \(path) HTTP/1.1\r\nHost: web\r\n" + (priority.map { "X-Priority: \($0)\r\n" } ?? "") + "\r\n"
    }

    /// Six gold and six bronze clients keep one 50 ms-per-request backend saturated: while both classes wait, the
    /// backend serves about three gold requests per bronze one.
    @Test func classesShareTheSlotByWeight() async throws {
        let queue = "{ max: 100, timeout: 10s, class_header: X-Priority, classes: { gold: 3, bronze: 1 } }"
        try await withReverseProxy(backends: 1, yaml: yaml(queue: queue)) { proxy, origins in
            let answers = try await HTTPLoad.run(port: proxy.port, clients: 12, for: .seconds(3)) { index in
                Self.request("/slow?ms=50", priority: index % 2 == 0 ? "gold" : "bronze")
            }
            #expect(answers.allSatisfy { $0.status == 200 }, "\(answers.statusCounts)")
            let served = origins[0].requests.map { $0.headers["x-priority"].first ?? "" }
            #expect(served.count >= 44, "one slot at 50 ms per request serves about 60 in 3 s")
            let first = served.prefix(40)
            let gold = first.filter { $0 == "gold" }.count
            let bronze = first.filter { $0 == "bronze" }.count
            #expect(gold + bronze == first.count)
            #expect(bronze > 0)
            let ratio = Double(gold) / Double(max(1, bronze))
            #expect(ratio >= 2.2 && ratio <= 4, "gold \(gold), bronze \(bronze) of the first 40")
        }
    }

    /// With the slot held by a long request, a queued request gets 503 after `queue.timeout`, and one more finds the
    /// queue (max 1) full and gets 503 at once; both carry `Retry-After`.
    @Test func expiredWaitAndFullQueueGive503() async throws {
        try await withReverseProxy(backends: 1, yaml: yaml(queue: "{ max: 1, timeout: 2s }")) { proxy, origins in
            // On threads of their own, so that the order and timing do not depend on the shared task pool.
            let port = proxy.port
            let origin = origins[0]
            let (held, expired, rejected) = try await HTTPLoad.onThread {
                let holder = try RawClient(port: port)
                try holder.send(Self.request("/slow?ms=4000"))
                while origin.requests.isEmpty { Thread.sleep(forTimeInterval: 0.01) }
                let queued = try RawClient(port: port)
                let queuedAt = ContinuousClock.now
                try queued.send(Self.request("/queued"))
                Thread.sleep(forTimeInterval: 0.6)
                let rejected = try RawClient(port: port).exchange(Self.request("/rejected"))
                var expired = try queued.exchange("")
                expired.sent = queuedAt
                return (try holder.exchange(""), expired, rejected)
            }
            #expect(rejected.status == 503)
            #expect(rejected.headers["retry-after"] == "1")
            #expect(rejected.elapsed < .seconds(1), "a full queue answers at once, not after the 2 s timeout")

            #expect(expired.status == 503)
            #expect(expired.headers["retry-after"] == "2")
            #expect(expired.elapsed >= .milliseconds(1950), "\(expired.elapsed)")
            #expect(expired.elapsed < .milliseconds(3500), "\(expired.elapsed)")

            #expect(held.status == 200)
            #expect(origins[0].requests.map(\.uri) == ["/slow?ms=4000"])
        }
    }
}
