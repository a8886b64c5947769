import Foundation
import InMemoryLogging
import Logging
import SwitchyardConfig
import Testing

/// Sticky sessions end to end with curl as the client: the origin answers `/ip` with the source address it saw, so
/// each tunnel or request shows which egress target of the pool carried it.
@Suite(.timeLimit(.minutes(3)))
struct StickySessionEndToEndTests {
    static let sourceIPs = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    static let apiKey = "api-key-0123456789abcdef"

    /// A forward listener (and, with `socks`, a SOCKS5 listener) over one round-robin pool of `sourceIPs` with `sticky`.
    static func yaml(sticky: String, users: Bool = false, socks: Bool = false, admin: Bool = false) -> String {
        let auth = users ? ", auth: { users: [ { username: alice, password: alice-pw-1234 } ]" + " }" : ""
        return """
            log: { level: info, format: text }
            \(admin ? "admin: { listen: \"127.0.0.1:0\", api_keys: [\"\(apiKey)\"] }\n" : "")destinations: \(ProxyHarness.loopbackDestinations)
            listeners:
              - { name: egress, mode: forward, listen: "127.0.0.1:0", pool: out\(auth) }
            \(socks ? "  - { name: socks, mode: socks5, listen: \"127.0.0.1:0\", pool: out\(auth) }\n" : "")pools:
              out:
                policy: round-robin
                sticky: \(sticky)
                targets: [ \(sourceIPs.map { "{ source_ip: \($0) }" }.joined(separator: ", ")) ]

            """
    }

    /// The source address the origin saw for one request made by curl with `arguments`; the error text if it failed.
    static func exitAddress(_ arguments: [String], origin: TestOrigin) throws -> String {
        let result = try Subprocess.curl(arguments + ["http://127.0.0.1:\(origin.port)/ip"])
        return result.status == 0 ? result.stdout : "error: \(result.stderr)"
    }

    /// The value of `switchyard_sticky_entries{pool="out"}` in a metrics text; nil when it is not there.
    static func stickyGauge(_ metrics: String) -> Double? {
        metrics.split(separator: "\n").first { $0.hasPrefix("switchyard_sticky_entries{pool=\"out\"}") }
            .flatMap { $0.split(separator: " ").last.flatMap { Double($0) } }
    }

    @Test func headerKeysHoldOverManyTunnelsAndDifferAcrossKeys() async throws {
        try await withProxy(yaml: Self.yaml(sticky: "{ key: \"header:X-Session-Id\" }")) { proxy, origin in
            var seen: [String: Set<String>] = [:]
            for round in 0..<8 {
                for key in ["k1", "k2", "k3"] {
                    let address = try Self.exitAddress(
                        ["-p", "-x", proxy.proxyURL, "--proxy-header", "X-Session-Id: \(key)"], origin: origin)
                    seen[key, default: []].insert(address)
                    #expect(Self.sourceIPs.contains(address), "round \(round): \(address)")
                }
                // Moves the round-robin on by one: without pins, every key would leave from another target next round.
                _ = try Self.exitAddress(["-p", "-x", proxy.proxyURL], origin: origin)
            }
            for (key, addresses) in seen { #expect(addresses.count == 1, "\(key) left from \(addresses)") }
            #expect(Set(seen.values.compactMap(\.first)).count == 3, "round-robin pins three keys to three targets")
            let unkeyed = try (0..<3).map { _ in try Self.exitAddress(["-p", "-x", proxy.proxyURL], origin: origin) }
            #expect(Set(unkeyed).count == 3, "a tunnel without a key is balanced as usual: \(unkeyed)")
        }
    }

    @Test func aLoginSessionHoldsAcrossHTTPAndSOCKS5() async throws {
        try await withProxy(yaml: Self.yaml(sticky: "{ key: username_session }", users: true, socks: true)) {
            proxy, origin in
            let socksPort = try #require(proxy.runtime.boundAddress(ofListener: "socks")?.port)
            func http(_ login: String) throws -> String {
                try Self.exitAddress(["-x", "http://\(login):alice-pw-1234@127.0.0.1:\(proxy.port)"], origin: origin)
            }
            func socks(_ login: String) throws -> String {
                try Self.exitAddress(
                    ["--proxy", "socks5h://\(login):alice-pw-1234@127.0.0.1:\(socksPort)"], origin: origin)
            }
            let first = try http("alice-session-abc123")
            #expect(Self.sourceIPs.contains(first), "\(first)")
            for _ in 0..<5 {
                #expect(try http("alice-session-abc123") == first)
                #expect(try socks("alice-session-abc123") == first)
            }
            let others = try Set(["s1", "s2", "s3"].map { try socks("alice-session-\($0)") })
            #expect(others.count >= 2, "other sessions go elsewhere: \(others)")
            let wrong = try Subprocess.curl(
                [
                    "-o", "/dev/null", "-w", "%{http_code}", "-x",
                    "http://alice-session-abc123:nope@127.0.0.1:\(proxy.port)",
                    "http://127.0.0.1:\(origin.port)/ip",
                ])
            #expect(wrong.stdout == "407", "the session login is checked with alice's password")
        }
    }

    @Test func aClientIPKeyMovesWhenItsTargetIsDisabledAndTheAdminAPIShowsIt() async throws {
        let logs = InMemoryLogHandler()
        let yaml = Self.yaml(sticky: "{ key: client_ip, ttl: 10m }", admin: true)
        try await withAdminServer(yaml: yaml, logger: Logger(label: "sticky") { _ in logs }) {
            proxy, admin, origin, _ in
            func tunnel(from client: String) throws -> String {
                try Self.exitAddress(["-p", "-x", proxy.proxyURL, "--interface", client], origin: origin)
            }
            let clients = ["127.0.0.11", "127.0.0.12"]
            let pinned = try clients.map { try tunnel(from: $0) }
            for _ in 0..<4 { #expect(try clients.map { try tunnel(from: $0) } == pinned) }

            let (status, body) = try await adminCall(
                "PATCH", "\(admin)/api/v1/pools/out/targets/\(pinned[0])", key: Self.apiKey,
                body: #"{"enabled": false}"#)
            #expect(status == 200, "\(body)")
            let moved = try tunnel(from: clients[0])
            #expect(moved != pinned[0] && Self.sourceIPs.contains(moved), "\(moved)")
            for _ in 0..<3 { #expect(try tunnel(from: clients[0]) == moved, "the key stays where it moved") }
            #expect(try tunnel(from: clients[1]) == pinned[1], "a key whose target is up stays")

            let access = logs.entries.filter { $0.message.description == "access" }
            let movedLines = access.filter { $0.metadata["sticky"]?.description == "moved from \(pinned[0])" }
            #expect(movedLines.count == 1, "\(access.map { $0.metadata["sticky"]?.description ?? "-" })")
            #expect(access.contains { $0.metadata["sticky"]?.description == "held" })

            let (listed, json) = try await adminCall("GET", "\(admin)/api/v1/pools/out/sticky", key: Self.apiKey)
            #expect(listed == 200, "\(json)")
            let sticky = try #require(
                try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], "\(json)")
            #expect(sticky["key"] as? String == "client_ip")
            #expect(sticky["count"] as? Int == 2)
            let entries = try #require(sticky["entries"] as? [[String: Any]])
            #expect(entries.first { $0["key"] as? String == clients[0] }?["target"] as? String == moved)
            let metrics = try await adminCall("GET", "\(admin)/metrics").1
            #expect(Self.stickyGauge(metrics) == 2, "\(metrics)")
            #expect(try await adminCall("GET", "\(admin)/api/v1/pools/nope/sticky", key: Self.apiKey).0 == 404)
        }
    }

    @Test func failAnswers502WhileThePinnedTargetIsDown() async throws {
        let yaml = Self.yaml(sticky: "{ key: username_session, on_target_down: fail }", users: true, socks: true)
        try await withProxy(yaml: yaml) { proxy, origin in
            let socksPort = try #require(proxy.runtime.boundAddress(ofListener: "socks")?.port)
            let login = "alice-session-pinned:alice-pw-1234"
            let forward = "http://\(login)@127.0.0.1:\(proxy.port)"
            let pinned = try Self.exitAddress(["-x", forward], origin: origin)
            let target = try #require(proxy.runtime.pools().first?.targets.first { $0.id == pinned })
            _ = try await proxy.runtime.updateTarget(target.id, inPool: "out", with: .init(enabled: false))

            let url = "http://127.0.0.1:\(origin.port)/ip"
            let plain = try Subprocess.curl(["-o", "/dev/null", "-w", "%{http_code}", "-x", forward, url])
            #expect(plain.stdout == "502")
            let tunnel = try Subprocess.curl(["-o", "/dev/null", "-w", "%{http_connect}", "-p", "-x", forward, url])
            #expect(tunnel.stdout == "502", "\(tunnel.stderr)")
            let socks = try Subprocess.curl(["--proxy", "socks5h://\(login)@127.0.0.1:\(socksPort)", url])
            #expect(socks.status == 97, "curl's SOCKS connection failure: \(socks.stderr)")
            let other = try Self.exitAddress(
                ["-x", "http://alice-session-other:alice-pw-1234@127.0.0.1:\(proxy.port)"], origin: origin)
            #expect(other != pinned && Self.sourceIPs.contains(other), "other sessions still work: \(other)")

            _ = try await proxy.runtime.updateTarget(target.id, inPool: "out", with: .init(enabled: true))
            #expect(try Self.exitAddress(["-x", forward], origin: origin) == pinned, "the pin held through the outage")
        }
    }

    @Test func pinsSurviveAReloadForTargetsThatStay() async throws {
        try await withProxy(yaml: Self.yaml(sticky: "{ key: \"header:X-Session-Id\" }")) { proxy, origin in
            func address(_ key: String) throws -> String {
                try Self.exitAddress(["-x", proxy.proxyURL, "-H", "X-Session-Id: \(key)"], origin: origin)
            }
            let before = try ["a", "b", "c"].map(address)
            let removed = before[0]
            let reloaded = Self.yaml(sticky: "{ key: \"header:X-Session-Id\" }")
                .replacingOccurrences(of: "{ source_ip: \(removed) }, ", with: "")
                .replacingOccurrences(of: ", { source_ip: \(removed) }", with: "")
            try proxy.runtime.reload(try ConfigLoader.parse(yaml: reloaded, file: nil))
            // In reverse order: the reloaded round-robin starts afresh, and would send c where b was.
            #expect(try address("c") == before[2])
            #expect(try address("b") == before[1])
            let movedA = try address("a")
            #expect(movedA != removed && Self.sourceIPs.contains(movedA), "\(movedA)")
            #expect(Self.stickyGauge(proxy.runtime.metricsText()) == 3)
            let unsticky = reloaded.replacingOccurrences(of: "    sticky: { key: \"header:X-Session-Id\" }\n", with: "")
            try proxy.runtime.reload(try ConfigLoader.parse(yaml: unsticky, file: nil))
            #expect(Self.stickyGauge(proxy.runtime.metricsText()) == nil, "the gauge goes with the pool's sticky block")
        }
    }

    @Test func aReverseListenerKeepsAHeaderKeyOnOneBackend() async throws {
        try await withReverseProxy(
            backends: 3,
            yaml: { ports in
                ReverseSetup.yaml(
                    routes: "      - pool: web",
                    pools: [
                        .init(
                            name: "web", ports: ports, policy: "round-robin",
                            extra: "    sticky: { key: \"header:X-Session-Id\" }\n")
                    ])
            }
        ) { proxy, backends in
            for _ in 0..<6 {
                for key in ["k1", "k2"] {
                    let result = try Subprocess.curl([
                        "-o", "/dev/null", "-H", "X-Session-Id: \(key)", "\(proxy.proxyURL)/",
                    ])
                    #expect(result.status == 0, "\(result.stderr)")
                }
                // Four requests a round over three backends: without pins, each key would reach another one next round.
                let unkeyed = try Subprocess.curl(["-o", "/dev/null", "\(proxy.proxyURL)/?[1-2]"])
                #expect(unkeyed.status == 0, "\(unkeyed.stderr)")
            }
            for key in ["k1", "k2"] {
                let holders = backends.filter { $0.requests.contains { $0.headers.first(name: "x-session-id") == key } }
                #expect(holders.count == 1, "\(key) reached \(holders.count) backends")
            }
        }
    }
}

/// Sticky sessions over real upstream proxies (Squid, tinyproxy, microsocks, each leaving from its own loopback
/// address): keys hold over many tunnels, and a key whose upstream dies moves, with no error for the client.
@Suite(.timeLimit(.minutes(3)))
struct StickyUpstreamProxyTests {
    @Test func keysHoldOverRealUpstreamsAndMoveWhenTheirUpstreamDies() async throws {
        try await UpstreamProxyTests.withPeers { peers in
            let yaml = ProxyHarness.forwardYAML(
                targets: peers.targets(), policy: "round-robin",
                poolExtra: "    sticky: { key: \"header:X-Session-Id\" }\n")
            try await withProxy(yaml: yaml) { proxy, origin in
                func tunnels(_ count: Int, key: String) async throws -> [String] {
                    try await UpstreamProxyTests.tunnels(
                        count, proxyPort: proxy.port, originPort: origin.port, header: "X-Session-Id: \(key)\r\n"
                    ).map { $0.status == 200 ? $0.ip : "CONNECT \($0.status)" }
                }
                var pinned: [String: String] = [:]
                for key in ["k1", "k2", "k3"] {
                    let seen = try await tunnels(5, key: key)
                    #expect(Set(seen).count == 1, "\(key): \(seen)")
                    pinned[key] = seen.first
                }
                #expect(Set(pinned.values) == Set(UpstreamProxyTests.Peers.addresses), "\(pinned)")

                let dead = try #require(pinned["k1"])
                let deadPeer = [peers.squid, peers.tinyproxy, peers.microsocks][
                    try #require(UpstreamProxyTests.Peers.addresses.firstIndex(of: dead))]
                deadPeer.stop()
                let moved = try await tunnels(5, key: "k1")
                #expect(Set(moved).count == 1 && moved[0] != dead, "k1 moved off its dead upstream: \(moved)")
                #expect(UpstreamProxyTests.Peers.addresses.contains(moved[0]), "\(moved)")
                for key in ["k2", "k3"] {
                    #expect(try await tunnels(3, key: key) == Array(repeating: pinned[key]!, count: 3))
                }
            }
        }
    }
}
