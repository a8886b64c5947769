import Foundation
import Testing

/// The defaults when a target dies: a connect that fails (nothing was sent) is retried on another target whatever the
/// method, attempts or retry budget, and the target that refused is ejected for `unreachable_ejection` (10 s by
/// default), then takes traffic again.
@Suite(.timeLimit(.minutes(2)))
struct UnreachableTargetTests {
    /// The pool `web` of `examples/reverse.yaml`, in front of two python3 `http.server` processes, is what a new user
    /// runs: killing one backend costs no client error, `/stats` shows it ejected, and once it is back (and its
    /// ejection over) it serves again. (Switchyard runs in-process here: `Foundation.Process`, which starting the
    /// binary takes, crashes now and then while the other tests open and close sockets.)
    @Test func aKilledBackendUnderTheExampleDefaultsCostsNoClientError() async throws {
        let backends = [try await PeerProxy.httpServer(), try await PeerProxy.httpServer()]
        var revived: PeerProxy?
        defer {
            for backend in backends { backend.stop() }
            revived?.stop()
        }
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/reverse.yaml")
        let yaml = try String(contentsOf: example, encoding: .utf8)
            .replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:0")
            .replacingOccurrences(of: "127.0.0.1:9101", with: "127.0.0.1:\(backends[0].port)")
            .replacingOccurrences(of: "127.0.0.1:9102", with: "127.0.0.1:\(backends[1].port)")
        try await withResources { resources in
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            let url = "\(proxy.proxyURL)/"

            // 16 requests in all, within the listener's rate limit (1000/m: a burst of 17).
            let warmUp = try await HTTPLoad.onThread { try Subprocess.statuses(["\(url)?[1-4]"]) }
            #expect(warmUp == Array(repeating: "200", count: 4))
            let dead = backends[1]
            dead.stop()
            let statuses = try await HTTPLoad.onThread { try Subprocess.statuses(["\(url)?[1-12]"]) }
            #expect(statuses == Array(repeating: "200", count: 12))
            let deadID = "http://127.0.0.1:\(dead.port)"
            #expect(Self.health(of: deadID, in: try Self.stats(proxy)) == "ejected")

            let back = try await PeerProxy.httpServer(port: dead.port)
            revived = back
            var served = false
            for _ in 0..<100 where !served {
                let statuses = try await HTTPLoad.onThread { try Subprocess.statuses(["\(url)?[1-2]"]) }
                #expect(statuses == ["200", "200"])
                served = back.output.contains("GET /?")
                if !served { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(served, "the backend took traffic again once its ejection was over")
            #expect(Self.health(of: deadID, in: try Self.stats(proxy)) == "healthy")
        }
    }

    /// Forward pools too: with no retries configured, a tunnel whose upstream proxy refuses the connection goes out
    /// through the other one, and the refusing one is ejected.
    @Test func aRefusingUpstreamProxyIsLeftForTheOtherWithNoRetriesConfigured() async throws {
        let socks = try await PeerProxy.microsocks(outgoing: "127.0.0.4", user: "su", password: "sp")
        defer { socks.stop() }
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let refusing = try await FakeUpstream.refusingPort(group: resources.group)
            let yaml = ProxyHarness.forwardYAML(
                targets: [
                    "{ upstream: \"http://127.0.0.1:\(refusing)\" }",
                    "{ upstream: \"socks5://su:sp@127.0.0.1:\(socks.port)\" }",
                ],
                policy: "round-robin", poolExtra: "    retries: { attempts: 0 }\n" + Self.longEjection)
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            let tunnels = try await UpstreamProxyTests.tunnels(6, proxyPort: proxy.port, originPort: origin.port)
            #expect(tunnels.map(\.status) == Array(repeating: 200, count: 6))
            #expect(tunnels.map(\.ip) == Array(repeating: "127.0.0.4", count: 6))
            #expect(Self.health(of: "http://127.0.0.1:\(refusing)", in: try Self.stats(proxy)) == "ejected")
        }
    }

    /// An egress source address that cannot be bound (192.0.2.1 is on no interface here: the bind fails before any
    /// packet leaves) is the target's own failure: plain requests and tunnels leave from the other address at once.
    @Test func anUnbindableSourceAddressIsLeftForTheOther() async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let yaml = ProxyHarness.forwardYAML(
                sourceIPs: ["192.0.2.1", "127.0.0.3"], policy: "round-robin",
                poolExtra: "    retries: { attempts: 0 }\n" + Self.longEjection)
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            let (proxyURL, originPort) = (proxy.proxyURL, origin.port)
            let plain = try await HTTPLoad.onThread {
                try Subprocess.statuses(["-x", proxyURL, "http://127.0.0.1:\(originPort)/ip?[1-4]"])
            }
            #expect(plain == ["200", "200", "200", "200"])
            let tunnels = try await UpstreamProxyTests.tunnels(4, proxyPort: proxy.port, originPort: origin.port)
            #expect(tunnels.map(\.status) == [200, 200, 200, 200])
            #expect(origin.requests.allSatisfy { $0.sourceIP == "127.0.0.3" })
            #expect(Self.health(of: "192.0.2.1", in: try Self.stats(proxy)) == "ejected")
        }
    }

    /// `unreachable_ejection: 0s` turns the ejection off: the refusing backend keeps its round-robin turn (each
    /// request it gets still goes on to the other backend).
    @Test func zeroTurnsTheEjectionOff() async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let refusing = try await FakeUpstream.refusingPort(group: resources.group)
            let yaml = PassiveHealthTests.yaml(ports: [refusing, origin.port], extra: "    unreachable_ejection: 0s\n")
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            #expect(try await PassiveHealthTests.statuses(proxy, count: 10) == Array(repeating: "200", count: 10))
            #expect(Self.health(of: "http://127.0.0.1:\(refusing)", in: try Self.stats(proxy)) == "healthy")
        }
    }

    /// An ejection longer than a loaded machine can take to run a test, so that `/stats` still shows it at the end.
    private static let longEjection = "    unreachable_ejection: 300s\n"

    /// The runtime's `/stats` document, parsed.
    private static func stats(_ proxy: ProxyHarness) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(proxy.runtime.statsJSON().utf8))
    }

    /// The `health` of target `id` in a parsed `/stats` document.
    private static func health(of id: String, in stats: Any) -> String? {
        let pools = (stats as? [String: Any])?["pools"] as? [[String: Any]] ?? []
        let targets = pools.flatMap { $0["targets"] as? [[String: Any]] ?? [] }
        return targets.first { $0["id"] as? String == id }?["health"] as? String
    }
}
