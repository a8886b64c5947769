import Foundation
import InMemoryLogging
import Logging
import NIOPosix
import Testing

/// Upstream proxies as egress targets, against the real thing: Squid and tinyproxy (with Basic auth) as HTTP
/// upstreams, microsocks and Dante (with username/password) as SOCKS5 upstreams, each leaving towards the origin
/// from its own loopback address, so the origin sees which upstream carried each request.
@Suite(.timeLimit(.minutes(3)))
struct UpstreamProxyTests {
    /// The three upstreams a test runs, stopped however the test ends.
    struct Peers {
        let squid: PeerProxy
        let tinyproxy: PeerProxy
        let microsocks: PeerProxy

        /// The pool's targets, in flow style: Squid, tinyproxy and microsocks, with these weights.
        func targets(weights: [Int] = [1, 1, 1]) -> [String] {
            [
                "{ upstream: \"http://127.0.0.1:\(squid.port)\", weight: \(weights[0]) }",
                "{ upstream: \"http://\(Self.tinyUser):\(Self.tinyPassword)@127.0.0.1:\(tinyproxy.port)\", weight: \(weights[1]) }",
                "{ upstream: \"socks5://\(Self.socksUser):\(Self.socksPassword)@127.0.0.1:\(microsocks.port)\", weight: \(weights[2]) }",
            ]
        }

        static let tinyUser = "tiny-user"
        static let tinyPassword = "tiny-secret-4711"
        static let socksUser = "socks-user"
        static let socksPassword = "socks-secret-0815"
        /// Where each upstream leaves from, in the order of `targets`.
        static let addresses = ["127.0.0.2", "127.0.0.3", "127.0.0.4"]
    }

    static func withPeers(_ body: (Peers) async throws -> Void) async throws {
        let squid = try await PeerProxy.squid(outgoing: Peers.addresses[0])
        defer { squid.stop() }
        let tinyproxy = try await PeerProxy.tinyproxy(
            outgoing: Peers.addresses[1], user: Peers.tinyUser, password: Peers.tinyPassword)
        defer { tinyproxy.stop() }
        let microsocks = try await PeerProxy.microsocks(
            outgoing: Peers.addresses[2], user: Peers.socksUser, password: Peers.socksPassword)
        defer { microsocks.stop() }
        try await body(Peers(squid: squid, tinyproxy: tinyproxy, microsocks: microsocks))
    }

    /// Opens `count` tunnels one after another, asking the origin for `/ip` through each.
    /// - Returns: the CONNECT status of each, and the origin's answer (the address it saw) for each that opened.
    static func tunnels(_ count: Int, proxyPort: Int, originPort: Int, header: String = "") async throws
        -> [(status: Int, ip: String)]
    {
        try await HTTPLoad.onThread {
            try (0..<count).map { _ in
                let client = try RawClient(port: proxyPort)
                let target = "127.0.0.1:\(originPort)"
                let connect = try client.exchange("CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n\(header)\r\n")
                guard connect.status == 200 else { return (connect.status, connect.body) }
                let answer = try client.exchange("GET /ip HTTP/1.1\r\nHost: \(target)\r\nConnection: close\r\n\r\n")
                return (200, answer.body)
            }
        }
    }

    private static func counts(_ origin: TestOrigin) -> [String: Int] {
        origin.requests.reduce(into: [:]) { $0[$1.sourceIP, default: 0] += 1 }
    }

    @Test func weightsSplitTunnelsAndRequestsOverRealUpstreams() async throws {
        try await Self.withPeers { peers in
            let idle = try await FakeUpstream.start(.stall, group: MultiThreadedEventLoopGroup.singleton)
            let outOfRotation = [
                "{ upstream: \"http://127.0.0.1:\(idle.port)\", enabled: false }",
                "{ upstream: \"socks5://127.0.0.1:\(idle.port)\", weight: 0 }",
            ]
            let yaml = ProxyHarness.forwardYAML(
                targets: peers.targets(weights: [3, 2, 1]) + outOfRotation, policy: "weighted-round-robin")
            do {
                try await withProxy(yaml: yaml) { proxy, origin in
                    try await Self.expectWeightedSplit(proxy: proxy, origin: origin, idle: idle)
                }
                await idle.stop()
            } catch {
                await idle.stop()
                throw error
            }
        }
    }

    private static func expectWeightedSplit(proxy: ProxyHarness, origin: TestOrigin, idle: FakeUpstream) async throws {
        let tunnels = try await Self.tunnels(60, proxyPort: proxy.port, originPort: origin.port)
        #expect(tunnels.map(\.status) == Array(repeating: 200, count: 60))
        #expect(Self.counts(origin) == ["127.0.0.2": 30, "127.0.0.3": 20, "127.0.0.4": 10])
        let plain = try Subprocess.statuses(["-x", proxy.proxyURL, "http://127.0.0.1:\(origin.port)/ip?[1-60]"])
        #expect(plain == Array(repeating: "200", count: 60))
        #expect(Self.counts(origin) == ["127.0.0.2": 60, "127.0.0.3": 40, "127.0.0.4": 20])
        #expect(idle.connectionCount == 0, "disabled and weight-0 upstreams take no traffic")
    }

    @Test func aKilledUpstreamCostsNewTunnelsNothing() async throws {
        try await Self.withPeers { peers in
            let yaml = ProxyHarness.forwardYAML(
                targets: peers.targets(), policy: "round-robin",
                poolExtra: "    retries: { attempts: 2, budget_percent: 100 }\n")
            try await withProxy(yaml: yaml) { proxy, origin in
                let before = try await Self.tunnels(9, proxyPort: proxy.port, originPort: origin.port)
                #expect(before.map(\.status) == Array(repeating: 200, count: 9))
                #expect(Self.counts(origin) == ["127.0.0.2": 3, "127.0.0.3": 3, "127.0.0.4": 3])
                peers.squid.stop()
                let after = try await Self.tunnels(30, proxyPort: proxy.port, originPort: origin.port)
                #expect(after.map(\.status) == Array(repeating: 200, count: 30))
                let plain = try Subprocess.statuses(["-x", proxy.proxyURL, "http://127.0.0.1:\(origin.port)/ip?[1-30]"])
                #expect(plain == Array(repeating: "200", count: 30))
                let seen = Self.counts(origin)
                #expect(seen["127.0.0.2"] == 3, "nothing more left through the stopped Squid: \(seen)")
                #expect(seen["127.0.0.3", default: 0] + seen["127.0.0.4", default: 0] == 66)
            }
        }
    }

    @Test func credentialsNeverCrossSides() async throws {
        try await Self.withPeers { peers in
            try await withResources { resources in
                let origin = resources.track(try await TestOrigin.start(group: resources.group, recordingBytes: true))
                let logs = InMemoryLogHandler()
                let yaml = ConnectionExitTests.withMetrics(
                    ProxyHarness.forwardYAML(targets: [peers.targets()[1]], auth: ("alice", "alice-pw-1234"))
                ).replacingOccurrences(of: "level: error", with: "level: debug")
                let proxy = resources.track(
                    try await ProxyHarness(yaml: yaml, logger: Logger(label: "credentials") { _ in logs }))
                let clientProxy = "http://alice:alice-pw-1234@127.0.0.1:\(proxy.port)"
                let url = "http://127.0.0.1:\(origin.port)/ip"
                let tunnelled = try Subprocess.curl(["-v", "-p", "-x", clientProxy, url])
                let plain = try Subprocess.curl(["-v", "-x", clientProxy, url])
                #expect(tunnelled.stdout == "127.0.0.3" && plain.stdout == "127.0.0.3", "\(tunnelled.stderr)")

                let upstreamSecrets = [
                    Peers.tinyPassword, Peers.tinyUser,
                    Data("\(Peers.tinyUser):\(Peers.tinyPassword)".utf8).base64EncodedString(),
                ]
                let clientSecrets = ["alice-pw-1234", Data("alice:alice-pw-1234".utf8).base64EncodedString()]
                let clientSaw = [tunnelled, plain].map { $0.stdout + $0.stderr }.joined()
                let originSaw = origin.receivedBytes
                #expect(originSaw.contains("GET /ip"))
                for secret in upstreamSecrets {
                    #expect(!clientSaw.contains(secret), "the client saw \(secret)")
                    #expect(!originSaw.contains(secret))
                }
                for secret in clientSecrets { #expect(!originSaw.contains(secret)) }
                #expect(!originSaw.lowercased().contains("proxy-authorization"))
                let published = [
                    proxy.runtime.statsJSON(), proxy.runtime.configYAML(), proxy.runtime.metricsText(),
                    logs.entries.map { "\($0)" }.joined(separator: "\n"), "\(proxy.runtime.pools())",
                ]
                #expect(published[1].contains("tiny-user:<redacted>@127.0.0.1"))
                for text in published {
                    #expect(!text.contains(Peers.tinyPassword))
                    #expect(!text.contains(upstreamSecrets[2]))
                }
            }
        }
    }

    @Test func danteIsASOCKS5UpstreamThatChecksUsernameAndPassword() async throws {
        let password = "dante-secret-2468"
        let dante = try await PeerProxy.dante(outgoing: "127.0.0.5", password: password)
        defer { dante.stop() }
        let user = try #require(dante.systemUser)
        let upstream = "socks5://\(user):\(password)@127.0.0.1:\(dante.port)"
        let yaml = ProxyHarness.forwardYAML(targets: ["{ upstream: \"\(upstream)\" }"])
        try await withProxy(yaml: yaml) { proxy, origin in
            let tunnels = try await Self.tunnels(5, proxyPort: proxy.port, originPort: origin.port)
            #expect(tunnels.map(\.status) == Array(repeating: 200, count: 5), "\(dante.output)")
            let plain = try Subprocess.statuses(["-x", proxy.proxyURL, "http://127.0.0.1:\(origin.port)/ip?[1-5]"])
            #expect(plain == Array(repeating: "200", count: 5))
            #expect(Self.counts(origin) == ["127.0.0.5": 10], "every request left through Dante")
        }
        let wrong = "{ upstream: \"socks5://\(user):guess@127.0.0.1:\(dante.port)\" }"
        try await withProxy(yaml: ProxyHarness.forwardYAML(targets: [wrong])) { proxy, origin in
            let target = "127.0.0.1:\(origin.port)"
            let port = proxy.port
            let refused = try await HTTPLoad.onThread {
                try RawClient(port: port).exchange("CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n\r\n")
            }
            #expect(refused.status == 502)
            #expect(refused.headers["x-switchyard-error"]?.contains("rejected its credentials") == true, "\(refused)")
            #expect(origin.requests.isEmpty)
        }
    }

    @Test func theDestinationPolicyChecksNamesAndTheUpstreamResolvesThem() async throws {
        let socks = try await PeerProxy.microsocks(outgoing: "127.0.0.4", user: "su", password: "sp")
        defer { socks.stop() }
        let rules = "{ action: deny, hosts: [\"blocked.example\"] }, { action: allow, methods: [CONNECT] }"
        let yaml = ProxyHarness.forwardYAML(
            targets: ["{ upstream: \"socks5://su:sp@127.0.0.1:\(socks.port)\" }"], destinations: "{ rules: [ \(rules) ] }")
        try await withProxy(yaml: yaml) { proxy, origin in
            // A name goes to the upstream unresolved (here it resolves to loopback, which the built-in rules refuse
            // when Switchyard itself dials it).
            let byName = try Subprocess.curl(["-p", "-x", proxy.proxyURL, "http://localhost:\(origin.port)/ip"])
            #expect(byName.stdout == "127.0.0.4", "\(byName.stderr)")
            #expect(try await eventually { socks.output.contains("connected to localhost:\(origin.port)") }, "\(socks.output)")
            let port = proxy.port
            let refused = try await HTTPLoad.onThread {
                try ["127.0.0.1:\(origin.port)", "blocked.example:443"].map { target in
                    try RawClient(port: port).exchange("CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n\r\n")
                }
            }
            #expect(refused.map(\.status) == [403, 403])
            #expect(refused.map { $0.headers["x-switchyard-denied-by"] } == ["private-address", "rules[0]"])
            #expect(origin.requests.count == 1)
        }
    }

    @Test func aServerThatSpeaksFirstIsHeardThroughEveryKindOfUpstream() async throws {
        try await Self.withPeers { peers in
            try await withResources { resources in
                let server = resources.track(try await TCPServer.banner("SSH-2.0-banner\r\n", group: resources.group))
                let target = "127.0.0.1:\(server.localAddress!.port!)"
                for upstream in peers.targets() {
                    let proxy = resources.track(try await ProxyHarness(yaml: ProxyHarness.forwardYAML(targets: [upstream])))
                    let port = proxy.port
                    let (reply, echo) = try await HTTPLoad.onThread {
                        let client = try RawClient(port: port)
                        try client.send("CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n\r\n")
                        let reply = try client.receive(until: "banner\r\n")
                        try client.send("ping")
                        return (reply, try client.receive(until: "ping"))
                    }
                    #expect(reply.hasPrefix("HTTP/1.1 200 Connection Established\r\n"), "\(upstream)")
                    #expect(reply.hasSuffix("\r\n\r\nSSH-2.0-banner\r\n"), "\(upstream): \(reply)")
                    #expect(echo == "ping", "\(upstream)")
                }
            }
        }
    }
}
