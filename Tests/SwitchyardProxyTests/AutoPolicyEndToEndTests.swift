import Foundation
import Testing

/// `policy: auto` in the real binary, in front of two loopback backends: under a latency skew (one backend answering
/// 50 ms late) it switches to least-response-time, and back to round-robin once the skew is gone; each switch is one
/// log line and shows in `/stats` and the admin API; a reload on the way (a weight set through the API) keeps it.
@Suite(.timeLimit(.minutes(2)))
struct AutoPolicyEndToEndTests {
    @Test func autoSwitchesToLeastResponseTimeUnderASkewAndBackWhenItGoes() async throws {
        try await withResources { resources in
            let fast = resources.track(try await TestOrigin.start(group: resources.group))
            let slow = resources.track(try await TestOrigin.start(group: resources.group))
            let (port, admin) = (try freeLoopbackPort(), try freeLoopbackPort())
            let config = try temporaryFile(
                """
                log: { level: info, format: json }
                listeners:
                  - { name: web, mode: reverse, listen: "127.0.0.1:\(port)", pool: backends }
                pools:
                  backends:
                    policy: auto
                    policy_options: { auto_sustain: 1s, auto_min_dwell: 1s, ewma_decay: 200ms }
                    targets:
                      - url: "http://127.0.0.1:\(fast.port)"
                      - url: "http://127.0.0.1:\(slow.port)"
                """)
            defer { try? FileManager.default.removeItem(atPath: config) }
            let proxy = try SwitchyardProcess(arguments: ["--config", config, "--metrics-port", "\(admin)"])
            defer { proxy.terminate() }
            _ = try await proxy.waitForLine(containing: "switchyard started")
            #expect(try await eventually { RawClient.canConnect(port: admin) })
            let request = "GET / HTTP/1.1\r\nHost: app\r\n\r\n"
            /// One client, one request at a time with a short pause: enough samples, little load on a shared machine.
            func run(for duration: Duration) async throws -> [Answer] {
                try await HTTPLoad.run(port: port, clients: 1, for: duration, pause: .milliseconds(5)) { _ in request }
            }

            /// Sends requests one at a time until a log line contains `text` (at most `limit`); the answers.
            func load(until text: String, limit: Duration = .seconds(30)) async throws -> [Answer] {
                var answers: [Answer] = []
                let deadline = ContinuousClock.now + limit
                while !proxy.output.contains(where: { $0.contains(text) }), ContinuousClock.now < deadline {
                    answers += try await run(for: .milliseconds(500))
                }
                let events = proxy.output.filter { !$0.contains(#""msg":"access""#) }
                #expect(events.contains { $0.contains(text) }, "\(events.joined(separator: "\n"))")
                return answers
            }

            let even = try await run(for: .seconds(2))
            #expect(even.statusCounts == [200: even.count])
            #expect(!proxy.output.contains { $0.contains("policy auto switched") }, "\(proxy.output)")

            slow.delayEverything(by: .milliseconds(50))
            let toLeastResponseTime = "pool backends: policy auto switched from weighted-round-robin to least-response-time"
            let skewed = try await load(until: toLeastResponseTime)
            #expect(skewed.statusCounts == [200: skewed.count])
            let (_, stats) = try await adminCall("GET", "http://127.0.0.1:\(admin)/stats")
            #expect(stats.contains(#""auto":{"active":"least-response-time""#), "\(stats)")

            // A weight set through the admin API rebuilds the pool: auto carries on with least-response-time.
            let fastID = "http%3A%2F%2F127.0.0.1%3A\(fast.port)"
            let (patched, _) = try await adminCall(
                "PATCH", "http://127.0.0.1:\(admin)/api/v1/pools/backends/targets/\(fastID)", body: #"{"weight":2}"#)
            #expect(patched == 200)
            let (_, reloaded) = try await adminCall("GET", "http://127.0.0.1:\(admin)/api/v1/pools/backends")
            #expect(reloaded.contains(#""active":"least-response-time""#), "\(reloaded)")

            let before = slow.requests.count
            let steered = try await run(for: .seconds(2))
            let toSlow = slow.requests.count - before
            #expect(toSlow * 5 < steered.count, "least-response-time avoids the slow backend: \(toSlow) of \(steered.count)")

            slow.delayEverything(by: .zero)
            _ = try await load(until: "pool backends: policy auto switched from least-response-time to weighted-round-robin")
            let (status, pool) = try await adminCall("GET", "http://127.0.0.1:\(admin)/api/v1/pools/backends")
            #expect(status == 200)
            #expect(pool.contains(#""active":"weighted-round-robin""#), "\(pool)")
            #expect(pool.contains(#""from":"weighted-round-robin","reason":"latency spread"#), "\(pool)")
            #expect(pool.contains(#""from":"least-response-time","reason":"latency spread"#), "\(pool)")
            proxy.signal(SIGTERM)
            _ = try await proxy.waitForExit()  // polls, where the deferred terminate() would block a thread
        }
    }
}
