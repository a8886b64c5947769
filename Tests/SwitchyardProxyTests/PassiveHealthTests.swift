import Testing

/// Passive health end to end: backends that reset every connection are ejected, at most `max_ejection_percent` of
/// the pool at once, and with every backend down `on_all_unhealthy` decides what happens.
@Suite(.timeLimit(.minutes(1)))
struct PassiveHealthTests {
    /// A round-robin reverse pool over `ports`, with `extra` pool lines (indented by four spaces).
    static func yaml(ports: [Int], extra: String) -> String {
        ReverseSetup.yaml(
            routes: "      - pool: web", pools: [.init(name: "web", ports: ports, policy: "round-robin", extra: extra)])
    }

    /// Sequential GETs through curl (on a thread of its own); the status of each, in order.
    static func statuses(_ proxy: ProxyHarness, count: Int) async throws -> [String] {
        let url = "\(proxy.proxyURL)/item?[1-\(count)]"
        let result = try await HTTPLoad.onThread {
            try Subprocess.curl(["-o", "/dev/null", "-w", "%{http_code}\\n", url])
        }
        return result.stdout.split(separator: "\n").map(String.init)
    }

    @Test func aResettingBackendIsEjectedAndThePoolKeepsAnswering() async throws {
        try await withResources { resources in
            let resets = ConnectionCounter()
            let resetter = resources.track(try await TCPServer.resetting(group: resources.group, counter: resets))
            let good = [
                resources.track(try await TestOrigin.start(group: resources.group)),
                resources.track(try await TestOrigin.start(group: resources.group)),
            ]
            // A long ejection, so that a slow machine cannot see it end within the test.
            let extra = "    outlier_detection: { consecutive_failures: 2, ejection_time: 30s }\n"
            let proxy = resources.track(
                try await ProxyHarness(yaml: Self.yaml(ports: [resetter.localAddress!.port!] + good.map(\.port), extra: extra)))

            // The resetting backend's two failures are retried on the others (default retries), then it is ejected.
            let warmUp = try await Self.statuses(proxy, count: 12)
            #expect(warmUp == Array(repeating: "200", count: 12))
            #expect(resets.value == 2, "ejected after exactly consecutive_failures resets")

            let after = try await Self.statuses(proxy, count: 50)
            #expect(after == Array(repeating: "200", count: 50))
            #expect(resets.value == 2, "no new connection reached the ejected backend")
            #expect(good.map { $0.requests.count }.reduce(0, +) == 62)
            #expect(good.allSatisfy { $0.requests.count >= 15 }, "\(good.map { $0.requests.count })")
        }
    }

    /// Two of three backends reset; 34 % allows one ejection (the other keeps getting requests), 67 % two.
    @Test(arguments: [(34, 1), (67, 2)])
    func maxEjectionPercentIsHonoured(percent: Int, ejectable: Int) async throws {
        try await withResources { resources in
            let counters = [ConnectionCounter(), ConnectionCounter()]
            var ports: [Int] = []
            for counter in counters {
                ports.append(try resources.track(await TCPServer.resetting(group: resources.group, counter: counter)).localAddress!.port!)
            }
            let good = resources.track(try await TestOrigin.start(group: resources.group))
            let extra = """
                    outlier_detection: { consecutive_failures: 2, ejection_time: 30s, max_ejection_percent: \(percent) }
                    retries: { attempts: 0 }

                """
            let proxy = resources.track(try await ProxyHarness(yaml: Self.yaml(ports: ports + [good.port], extra: extra)))

            let warmUp = try await Self.statuses(proxy, count: 30)
            #expect(warmUp.count == 30)
            #expect(counters.allSatisfy { $0.value >= 2 }, "both resetting backends failed often enough to be ejected")
            let before = counters.map(\.value)
            let after = try await Self.statuses(proxy, count: 30)
            let grown = zip(counters, before).map { $0.value - $1 }
            #expect(grown.filter { $0 == 0 }.count == ejectable, "new connections per resetting backend: \(grown)")
            #expect(after.filter { $0 == "200" }.count == good.requests.count - warmUp.filter { $0 == "200" }.count)
            #expect(after.filter { $0 == "502" }.count == grown.reduce(0, +))
            if ejectable == 1 { #expect(grown.max()! >= 10, "the one left in keeps its share: \(grown)") }
        }
    }

    /// Every backend resets and all are ejected: `reject` answers 503 without contacting any; `least-failed` and
    /// `all` keep trying them.
    @Test(arguments: ["reject", "least-failed", "all"])
    func everyBackendDown(onAllUnhealthy: String) async throws {
        try await withResources { resources in
            let counter = ConnectionCounter()
            var ports: [Int] = []
            for _ in 0..<3 {
                ports.append(try resources.track(await TCPServer.resetting(group: resources.group, counter: counter)).localAddress!.port!)
            }
            let extra = """
                    on_all_unhealthy: \(onAllUnhealthy)
                    outlier_detection: { consecutive_failures: 2, ejection_time: 30s, max_ejection_percent: 100 }
                    retries: { attempts: 0 }

                """
            let proxy = resources.track(try await ProxyHarness(yaml: Self.yaml(ports: ports, extra: extra)))

            let warmUp = try await Self.statuses(proxy, count: 6)
            #expect(warmUp == Array(repeating: "502", count: 6))
            #expect(counter.value == 6, "two resets each eject all three")

            let after = try await Self.statuses(proxy, count: 10)
            if onAllUnhealthy == "reject" {
                #expect(after == Array(repeating: "503", count: 10))
                #expect(counter.value == 6, "no backend was contacted")
            } else {
                #expect(after == Array(repeating: "502", count: 10))
                #expect(counter.value == 16, "every request still went to a backend")
            }
        }
    }
}

/// A circuit breaker end to end: a backend answering 500 is cut off after `failure_threshold` failures, probed once
/// after `timeout`, opened again when the probe fails and closed when it passes.
@Suite(.timeLimit(.minutes(1)))
struct CircuitBreakerTests {
    @Test func opensProbesAndCloses() async throws {
        let extra = "    circuit_breaker: { failure_threshold: 3, timeout: 1s, success_threshold: 1 }\n"
        try await withReverseProxy(backends: 2, yaml: { PassiveHealthTests.yaml(ports: $0, extra: extra) }) { proxy, origins in
            let (failing, healthy) = (origins[0], origins[1])
            failing.answerEverything(with: 500)

            // Closed → open: round-robin sends it every other request until its third 500.
            let first = try await PassiveHealthTests.statuses(proxy, count: 6)
            #expect(first.sorted() == ["200", "200", "200", "500", "500", "500"])
            #expect(failing.requests.count == 3)
            let opened = failing.requests[2].arrival

            // Open → half-open → open: nothing reaches it for the timeout, then one probe at a time gets through,
            // fails and opens it again. (Checked by arrival times, so that a slow client changes nothing.)
            let whileOpen = try await PassiveHealthTests.statuses(proxy, count: 10)
            try await Task.sleep(until: opened + .milliseconds(1300))
            let probing = try await PassiveHealthTests.statuses(proxy, count: 10)
            let probes = failing.requests.dropFirst(3).map(\.arrival)
            #expect(probes.count >= 1, "a probe got through after the timeout")
            for (earlier, later) in zip([opened] + probes, probes) {
                #expect(later - earlier >= .milliseconds(950), "one probe per timeout: \(later - earlier)")
            }
            let answers = whileOpen + probing
            #expect(answers.filter { $0 == "500" }.count == probes.count)
            #expect(answers.filter { $0 == "200" }.count == healthy.requests.count - 3, "the other backend served the rest")

            // Half-open → closed: the next probe passes, and it is back in the rotation.
            failing.answerEverything(with: nil)
            try await Task.sleep(until: (probes.last ?? opened) + .milliseconds(1300))
            let before = failing.requests.count
            let closed = try await PassiveHealthTests.statuses(proxy, count: 10)
            #expect(closed == Array(repeating: "200", count: 10))
            #expect(failing.requests.count - before >= 3, "the probe and then its round-robin share")
        }
    }
}
