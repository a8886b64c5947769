import Testing

/// Active health checks end to end: targets leave rotation after exactly `failure_threshold` failed checks, come back
/// after `success_threshold` passed ones, and take no traffic in between; egress targets are checked from their own
/// source address; `on_all_unhealthy` decides what happens when every target fails.
@Suite(.timeLimit(.minutes(2)))
struct HealthCheckTests {
    private static let check = "{ type: http, interval: 100ms, timeout: 1s, path: /health, failure_threshold: 3, success_threshold: 2 }"

    private func reverseYAML(_ backends: [HealthBackend], check: String = Self.check, extra: String = "") -> String {
        HealthBackend.reverseYAML(backends, poolExtra: "    health_check: \(check)\n" + extra)
    }

    @Test func aRefusedCheckNamesTheAddressNotALibraryError() async throws {
        try await withResources { resources in
            let backend = try await HealthBackend(group: resources.group)
            let port = backend.port
            await backend.stop()
            let tcpCheck = "{ type: tcp, interval: 100ms, timeout: 1s, failure_threshold: 1, success_threshold: 1 }"
            let proxy = resources.track(try await ProxyHarness(yaml: reverseYAML([backend], check: tcpCheck)))
            let target = try #require(proxy.runtime.target(backend.url, inPool: "backends"))
            #expect(try await eventually { !target.state.isHealthy })
            let cause = proxy.runtime.condition(of: target, inPool: "backends").healthCause
            #expect(cause.hasSuffix("connection refused by 127.0.0.1:\(port)"), "\(cause)")
        }
    }

    @Test func aFailingBackendLeavesAfterExactlyTheThresholdAndReturnsAfterTheSuccessThreshold() async throws {
        try await withResources { resources in
            let flaky = try await HealthBackend(group: resources.group)
            let steady = try await HealthBackend(group: resources.group)
            defer { Task { await flaky.stop(); await steady.stop() } }
            let proxy = resources.track(try await ProxyHarness(yaml: reverseYAML([flaky, steady])))
            let target = try #require(proxy.runtime.target(flaky.url, inPool: "backends"))
            #expect(try await eventually { flaky.passedChecks() >= 1 && steady.passedChecks() >= 1 })

            flaky.setFailing(true)
            #expect(try await eventually { !target.state.isHealthy })
            let cause = proxy.runtime.condition(of: target, inPool: "backends").healthCause
            #expect(cause.hasPrefix("3 consecutive failed checks"), "out after exactly failure_threshold failed checks")
            #expect(flaky.failedChecks() >= 3)

            let servedBefore = flaky.requestSources.count
            #expect(try Subprocess.statuses(["\(proxy.proxyURL)/page?[1-20]"]) == Array(repeating: "200", count: 20))
            #expect(flaky.requestSources.count == servedBefore, "nothing is routed to an unhealthy backend")

            flaky.setFailing(false)
            #expect(try await eventually { target.state.isHealthy })
            #expect(
                proxy.runtime.condition(of: target, inPool: "backends").healthCause == "2 consecutive passed checks",
                "back after exactly success_threshold passed checks")
            #expect(flaky.requestSources.count == servedBefore)

            #expect(try Subprocess.statuses(["\(proxy.proxyURL)/page?[1-20]"]) == Array(repeating: "200", count: 20))
            #expect(flaky.requestSources.count - servedBefore == 10, "round robin includes it again")
        }
    }

    @Test func egressTargetsAreCheckedFromTheirOwnSourceAddress() async throws {
        try await withResources { resources in
            let checked = try await HealthBackend(group: resources.group)
            defer { Task { await checked.stop() } }
            let yaml = """
                log: { level: error, format: text }
                destinations: \(ProxyHarness.loopbackDestinations)
                listeners:
                  - { name: egress, mode: forward, listen: "127.0.0.1:0", pool: outbound }
                pools:
                  outbound:
                    policy: round-robin
                    health_check: { type: http, interval: 100ms, timeout: 1s, target: "http://127.0.0.1:\(checked.port)/health", failure_threshold: 2, success_threshold: 1 }
                    targets: [ { source_ip: 127.0.0.2 }, { source_ip: 127.0.0.3 }, { source_ip: 127.0.0.4 } ]

                """
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            let target = try #require(proxy.runtime.target("127.0.0.3", inPool: "outbound"))
            #expect(try await eventually { ["127.0.0.2", "127.0.0.3", "127.0.0.4"].allSatisfy { checked.passedChecks(from: $0) >= 1 } })

            checked.setFailing(true, from: "127.0.0.3")
            #expect(try await eventually { !target.state.isHealthy })
            #expect(proxy.runtime.condition(of: target, inPool: "outbound").healthCause.hasPrefix("2 consecutive failed checks"))
            #expect(checked.failedChecks(from: "127.0.0.2") == 0)

            let before = checked.requestSources.count
            let through = ["-x", proxy.proxyURL, "http://127.0.0.1:\(checked.port)/page?[1-30]"]
            #expect(try Subprocess.statuses(through) == Array(repeating: "200", count: 30))
            let sources = Set(checked.requestSources.dropFirst(before))
            #expect(sources == ["127.0.0.2", "127.0.0.4"], "the failing source address takes no traffic")

            checked.setFailing(false, from: "127.0.0.3")
            #expect(try await eventually { target.state.isHealthy })
            let after = checked.requestSources.count
            #expect(try Subprocess.statuses(through) == Array(repeating: "200", count: 30))
            #expect(checked.requestSources.dropFirst(after).filter { $0 == "127.0.0.3" }.count == 10)
        }
    }

    @Test func aBackendThatRefusesConnectionsFailsATCPCheck() async throws {
        try await withResources { resources in
            let live = try await HealthBackend(group: resources.group)
            let dead = try await HealthBackend(group: resources.group)
            defer { Task { await live.stop() } }
            await dead.stop()
            let check = "{ type: tcp, interval: 100ms, timeout: 1s, failure_threshold: 2, success_threshold: 1 }"
            let proxy = resources.track(try await ProxyHarness(yaml: reverseYAML([live, dead], check: check)))
            let deadTarget = try #require(proxy.runtime.target(dead.url, inPool: "backends"))
            let liveTarget = try #require(proxy.runtime.target(live.url, inPool: "backends"))
            #expect(try await eventually { !deadTarget.state.isHealthy })
            try await Task.sleep(for: .milliseconds(300))
            #expect(liveTarget.state.isHealthy)
            #expect(try Subprocess.statuses(["\(proxy.proxyURL)/page?[1-10]"]) == Array(repeating: "200", count: 10))
        }
    }

    @Test(arguments: ["reject", "least-failed", "all"])
    func whenEveryBackendFailsItsChecksOnAllUnhealthyDecides(mode: String) async throws {
        try await withResources { resources in
            let backends = [try await HealthBackend(group: resources.group), try await HealthBackend(group: resources.group)]
            defer { Task { for backend in backends { await backend.stop() } } }
            for backend in backends { backend.setFailing(true) }
            let yaml = reverseYAML(backends, extra: "    on_all_unhealthy: \(mode)\n")
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            let targets = try backends.map { try #require(proxy.runtime.target($0.url, inPool: "backends")) }
            #expect(try await eventually { targets.allSatisfy { !$0.state.isHealthy } })

            let answers = try Subprocess.statuses(["\(proxy.proxyURL)/page?[1-10]"])
            let served = backends.map(\.requestSources.count).reduce(0, +)
            if mode == "reject" {
                #expect(answers == Array(repeating: "503", count: 10))
                #expect(served == 0)
            } else {
                #expect(answers == Array(repeating: "200", count: 10), "\(mode) still sends traffic")
                #expect(served == 10)
            }
        }
    }

    @Test func unhealthyUntilCheckedTargetsTakeNoTrafficBeforePassingChecks() async throws {
        try await withResources { resources in
            let backend = try await HealthBackend(group: resources.group)
            defer { Task { await backend.stop() } }
            backend.setFailing(true)
            let check = "{ type: http, interval: 100ms, timeout: 1s, path: /health, failure_threshold: 3, success_threshold: 3 }"
            let extra = "    initial: unhealthy-until-checked\n    on_all_unhealthy: reject\n"
            let proxy = resources.track(try await ProxyHarness(yaml: reverseYAML([backend], check: check, extra: extra)))
            let target = try #require(proxy.runtime.target(backend.url, inPool: "backends"))
            #expect(!target.state.isHealthy)
            #expect(try Subprocess.statuses(["\(proxy.proxyURL)/page"]) == ["503"])
            #expect(try await eventually { backend.failedChecks() >= 1 })
            backend.setFailing(false)
            #expect(try await eventually { target.state.isHealthy })
            #expect(
                proxy.runtime.condition(of: target, inPool: "backends").healthCause == "3 consecutive passed checks",
                "once its first check failed, a new target needs success_threshold passed checks")
            #expect(try Subprocess.statuses(["\(proxy.proxyURL)/page"]) == ["200"])
        }
    }
}
