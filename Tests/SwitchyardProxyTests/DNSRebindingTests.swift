import Foundation
import InMemoryLogging
import Logging
import Testing

/// DNS rebinding against the destination policy, with a live DNS server whose answers change between requests: a
/// name first resolves to an allowed loopback address, then to a denied one (`127.0.0.3`, where a second origin
/// listens on the same port, so a request that got through would be seen there). Every address actually dialled is
/// checked, each time; a refusal is answered (403 or SOCKS5 0x02), logged once and counted once.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DNSRebindingTests {
    /// 127.0.0.3 denied; tunnels (SOCKS5) allowed to any port.
    static let destinations = """
        { allow_private: true, rules: [ { name: no-dot-3, action: deny, cidrs: ["127.0.0.3/32"] }, \
        { action: allow, methods: [CONNECT] } ] }
        """

    /// Two origins on one port: the allowed one on 127.0.0.1, the one the policy denies on 127.0.0.3.
    struct Setup {
        let allowed: TestOrigin
        let denied: TestOrigin
        let dns: LoopbackDNSServer
        let proxy: ProxyHarness
        let logs: InMemoryLogHandler

        var port: Int { allowed.port }

        func point(_ addresses: String...) throws {
            try dns.setRecords(["rebind.test": addresses.map { .a($0) }])
        }

        var deniedCount: Int {
            let prefix = #"switchyard_denied_total{listener="egress",rule="no-dot-3"} "#
            return proxy.runtime.metricsText().split(separator: "\n").first { $0.hasPrefix(prefix) }
                .flatMap { Int($0.dropFirst(prefix.count)) } ?? 0
        }

        /// The log lines that mention a refusal, in any field.
        var denialLines: Int {
            logs.entries.filter { entry in
                "\(entry.message) \(entry.metadata)".contains("denied by rule no-dot-3")
            }.count
        }

        var accessLines: Int { logs.entries.filter { $0.message.description == "access" }.count }
    }

    func withSetup(mode: String = "forward", _ body: (Setup) async throws -> Void) async throws {
        try await withResources { resources in
            let allowed = resources.track(try await TestOrigin.start(group: resources.group))
            let denied = resources.track(
                try await TestOrigin.start(group: resources.group, host: "127.0.0.3", port: allowed.port))
            let dns = resources.track(try await LoopbackDNSServer.start(["rebind.test": [.a("127.0.0.1")]]))
            let yaml =
                // No idle upstream connections: each request dials (an open one to an allowed address may be reused).
                ProxyHarness.forwardYAML(
                    poolExtra: "    keepalive: { max_idle_per_destination: 0 }\n", destinations: Self.destinations)
                .replacingOccurrences(of: "mode: forward", with: "mode: \(mode)")
                .replacingOccurrences(of: "level: error", with: "level: info")
                + "dns: { servers: [\"\(dns.address)\"] }\n"
            let logs = InMemoryLogHandler()
            let proxy = resources.track(
                try await ProxyHarness(yaml: yaml, logger: Logger(label: "rebinding") { _ in logs }))
            try await body(Setup(allowed: allowed, denied: denied, dns: dns, proxy: proxy, logs: logs))
        }
    }

    /// One request through the proxy, on a thread of its own (off Swift's cooperative pool).
    func get(_ setup: Setup) async throws -> Answer {
        let (proxyPort, port) = (setup.proxy.port, setup.port)
        return try await HTTPLoad.onThread {
            try RawClient(port: proxyPort).exchange(
                "GET http://rebind.test:\(port)/hello HTTP/1.1\r\nHost: rebind.test\r\nConnection: close\r\n\r\n")
        }
    }

    @Test func aNameReboundToADeniedAddressIsRefusedEveryTime() async throws {
        try await withSetup { setup in
            #expect(try await get(setup).status == 200)
            #expect(setup.allowed.requests.count == 1)

            try setup.point("127.0.0.3")
            for attempt in 1...2 {
                let refused = try await get(setup)
                #expect(refused.status == 403, "attempt \(attempt)")
                #expect(refused.body.contains("destination rebind.test:\(setup.port) (127.0.0.3) denied by rule no-dot-3"))
                _ = try await eventually(within: 5) { setup.denialLines >= attempt }
                try await Task.sleep(for: .milliseconds(100))  // a second log line or count would show by now
                #expect(setup.deniedCount == attempt, "one count per refused request")
                #expect(setup.denialLines == attempt, "one log line per refused request")
            }
            #expect(try await eventually(within: 5) { setup.accessLines == 3 })

            try setup.point("127.0.0.3", "127.0.0.1")
            #expect(try await get(setup).status == 200, "the allowed address of the answer is dialled")
            #expect(setup.allowed.requests.count == 2)
            #expect(setup.deniedCount == 2, "a request that found an allowed address is not refused")

            // Checking only the first address would let the connector fall back to the second: nothing listens
            // on 127.0.0.4, so 127.0.0.3 would be dialled next.
            try setup.point("127.0.0.4", "127.0.0.3")
            #expect(try await get(setup).status == 502, "only the allowed address was tried, and it refused")
            #expect(setup.denied.requests.isEmpty, "nothing reached the denied address")
        }
    }

    @Test func aSOCKS5DomainReboundToADeniedAddressGetsReply0x02() async throws {
        try await withSetup(mode: "socks5") { setup in
            let (proxyPort, port) = (setup.proxy.port, UInt16(setup.port))
            /// The reply code to a SOCKS5 CONNECT to rebind.test (off Swift's cooperative pool).
            func connect() async throws -> UInt8? {
                try await HTTPLoad.onThread {
                    let client = try RawClient(port: proxyPort)
                    try client.send([0x05, 0x01, 0x00])
                    guard try client.receive() == [0x05, 0x00] else { return nil }
                    let name = Array("rebind.test".utf8)
                    try client.send(
                        [0x05, 0x01, 0x00, 0x03, UInt8(name.count)] + name + [UInt8(port >> 8), UInt8(port & 0xff)])
                    return try client.receive().dropFirst().first
                }
            }
            #expect(try await connect() == 0x00)
            try setup.point("127.0.0.3")
            #expect(try await connect() == 0x02, "connection not allowed by ruleset")
            _ = try await eventually(within: 5) { setup.accessLines == 2 }
            try await Task.sleep(for: .milliseconds(100))
            #expect(setup.deniedCount == 1)
            #expect(setup.denialLines == 1)
            #expect(setup.denied.requests.isEmpty)
        }
    }
}
