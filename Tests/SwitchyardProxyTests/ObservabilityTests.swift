import Foundation
import Testing

/// Metrics, `/stats` and readiness read from a running Switchyard after known traffic.
@Suite(.timeLimit(.minutes(2)))
struct ObservabilityTests {
    private func value(_ metrics: String, _ series: String) -> Double? {
        metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            .flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test func metricsCountExactlyTheTrafficSent() async throws {
        try await withResources { resources in
            let backends = [try await HealthBackend(group: resources.group), try await HealthBackend(group: resources.group)]
            defer { Task { for backend in backends { await backend.stop() } } }
            let proxy = resources.track(try await ProxyHarness(yaml: HealthBackend.reverseYAML(backends)))
            #expect(try Subprocess.statuses(["\(proxy.proxyURL)/page?[1-10]"]) == Array(repeating: "200", count: 10))
            #expect(try Subprocess.statuses(["-X", "POST", "-d", "hello", "\(proxy.proxyURL)/form?[1-3]"]).count == 3)

            // The proxy counts a request just after its last byte went out: wait for the last one.
            let deadline = ContinuousClock.now + .seconds(5)
            var metrics = proxy.runtime.metricsText()
            while value(metrics, #"switchyard_request_duration_seconds_count{listener="web"}"#) != 13,
                ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(10))
                metrics = proxy.runtime.metricsText()
            }
            #expect(value(metrics, #"switchyard_requests_total{listener="web",method="GET",status="200"}"#) == 10)
            #expect(value(metrics, #"switchyard_requests_total{listener="web",method="POST",status="200"}"#) == 3)
            #expect(value(metrics, #"switchyard_bytes_total{listener="web",direction="in"}"#) == 15)
            #expect(value(metrics, #"switchyard_bytes_total{listener="web",direction="out"}"#) == 26)
            #expect(value(metrics, #"switchyard_request_duration_seconds_count{listener="web"}"#) == 13)
            for backend in backends {
                let labels = #"{pool="backends",target="\#(backend.url)"}"#
                let picks = value(metrics, "switchyard_balancer_selections_total\(labels)") ?? 0
                #expect(picks == 6 || picks == 7, "round robin over 13 requests")
                #expect(value(metrics, "switchyard_target_healthy\(labels)") == 1)
                #expect(value(metrics, "switchyard_circuit_state\(labels)") == 0)
            }
            #expect(metrics.contains("# HELP switchyard_requests_total "))
        }
    }

    @Test func statsWindowsHoldTheTrafficOfTheLastMinute() async throws {
        try await withResources { resources in
            let backend = try await HealthBackend(group: resources.group)
            defer { Task { await backend.stop() } }
            let proxy = resources.track(try await ProxyHarness(yaml: HealthBackend.reverseYAML([backend])))
            #expect(try Subprocess.statuses(["\(proxy.proxyURL)/page?[1-5]"]) == Array(repeating: "200", count: 5))
            try await Task.sleep(for: .milliseconds(200))  // the last request is counted just after its answer
            let document = try JSONSerialization.jsonObject(with: Data(proxy.runtime.statsJSON().utf8)) as! [String: Any]
            let windows = document["windows"] as! [String: [String: Any]]
            #expect(windows["total"]?["requests"] as? Int == 5)
            #expect(windows["last_1m"]?["requests"] as? Int == 5)
            #expect(windows["last_1m"]?["successes"] as? Int == 5)
            #expect(document["in_flight"] as? Int == 0)
            let pool = (document["pools"] as! [[String: Any]])[0]
            let target = (pool["targets"] as! [[String: Any]])[0]
            #expect(target["id"] as? String == backend.url)
            #expect(target["health"] as? String == "healthy")
            #expect((target["windows"] as! [String: [String: Any]])["total"]?["requests"] as? Int == 5)
            #expect(((document["listeners"] as! [[String: Any]])[0])["name"] as? String == "web")
        }
    }

    @Test func readinessFailsWhenAPoolHasNoSelectableTargetAndDuringShutdown() async throws {
        try await withResources { resources in
            let backend = try await HealthBackend(group: resources.group)
            defer { Task { await backend.stop() } }
            let check = "    health_check: { type: http, interval: 100ms, timeout: 1s, path: /health, failure_threshold: 1, success_threshold: 1 }\n"
            let proxy = try await ProxyHarness(yaml: HealthBackend.reverseYAML([backend], poolExtra: check))
            #expect(proxy.runtime.readiness().ready)
            backend.setFailing(true)
            _ = try await eventually { !proxy.runtime.readiness().ready }
            #expect(proxy.runtime.readiness().reasons == ["pool backends has no selectable target"])
            backend.setFailing(false)
            #expect(try await eventually { proxy.runtime.readiness().ready })
            await proxy.shutdown()
            #expect(proxy.runtime.readiness().reasons.contains("shutting down"))
        }
    }

    @Test func perHostCountersAreOptInAndCapped() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML().replacingOccurrences(
            of: "listeners:", with: "admin: { listen: \"127.0.0.1:0\", per_host_metrics: 2 }\nlisteners:")
        ) { proxy, origin in
            for host in ["127.0.0.1", "localhost"] {
                _ = try Subprocess.curl(["-o", "/dev/null", "-x", proxy.proxyURL, "http://\(host):\(origin.port)/ip?[1-2]"])
            }
            let other = try await TestOrigin.start(group: proxy.group)
            defer { Task { await other.stop() } }
            _ = try Subprocess.curl(["-o", "/dev/null", "-x", proxy.proxyURL, "http://127.0.0.1:\(other.port)/ip?[1-3]"])
            try await Task.sleep(for: .milliseconds(200))
            let metrics = proxy.runtime.metricsText()
            #expect(value(metrics, #"switchyard_destination_requests_total{host="127.0.0.1:\#(origin.port)"}"#) == 2)
            #expect(value(metrics, #"switchyard_destination_requests_total{host="localhost:\#(origin.port)"}"#) == 2)
            #expect(value(metrics, #"switchyard_destination_requests_total{host="other"}"#) == 3)
        }
    }
}
