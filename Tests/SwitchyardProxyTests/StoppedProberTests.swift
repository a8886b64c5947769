@testable import SwitchyardRuntime
import Testing

/// A health check replaced by a reload (or whose event loops are retired) leaves its verdicts to its successor: a
/// probe still in flight when it stops records nothing.
@Suite(.timeLimit(.minutes(1)))
struct StoppedProberTests {
    @Test func aProbeInFlightWhenItsCheckerStopsRecordsNothing() async throws {
        try await withResources { resources in
            let connections = ConnectionCounter()
            let mute = resources.track(try await TCPServer.answering("", group: resources.group, counter: connections))
            let backend = "http://127.0.0.1:\(mute.localAddress!.port!)"
            let yaml = """
                log: { level: error, format: text }
                listeners:
                  - { name: web, mode: reverse, listen: "127.0.0.1:0", pool: backends }
                pools:
                  backends:
                    health_check: { type: http, interval: 100ms, timeout: 2s, failure_threshold: 1 }
                    targets: [ { url: "\(backend)" } ]

                """
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            #expect(try await eventually { connections.value >= 1 }, "a probe is waiting for its answer")
            try #require(proxy.runtime.healthCheckers["backends"]).stop()
            try await Task.sleep(for: .milliseconds(2500))
            #expect(proxy.runtime.target(backend, inPool: "backends")!.state.isHealthy, "its timeout counted for nothing")
        }
    }
}
