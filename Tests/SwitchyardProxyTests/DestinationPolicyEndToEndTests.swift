import Foundation
import NIOCore
import Testing

/// The destination policy of forward listeners, end to end on loopback: what is refused is answered 403 naming the
/// rule, counted, and never reaches the origin.
@Suite(.timeLimit(.minutes(2)))
struct DestinationPolicyEndToEndTests {
    /// The whole answer to one raw request sent through the proxy (error answers close the connection).
    func ask(_ proxy: ProxyHarness, _ request: String) throws -> String {
        let client = try RawClient(port: proxy.port)
        try client.send(request)
        return try client.receiveAll()
    }

    func get(_ proxy: ProxyHarness, _ url: String, credentials: String? = nil) throws -> String {
        let authorization = credentials.map {
            "Proxy-Authorization: Basic \(Data($0.utf8).base64EncodedString())\r\n"
        } ?? ""
        let host = url.split(separator: "/")[1]
        return try ask(proxy, "GET \(url) HTTP/1.1\r\nHost: \(host)\r\n\(authorization)Connection: close\r\n\r\n")
    }

    /// Starts an admin server on an ephemeral loopback port and gives its port.
    func startAdmin(_ proxy: ProxyHarness) async throws -> (port: Int, task: Task<Void, any Error>) {
        let server = proxy.runtime.makeAdminServer(host: "127.0.0.1", port: 0)
        let task = Task { try await server.run() }
        let deadline = ContinuousClock.now + .seconds(60)
        while server.boundPort == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        return (try #require(server.boundPort), task)
    }

    func deniedCount(_ proxy: ProxyHarness, rule: String) -> Int? {
        let prefix = #"switchyard_denied_total{listener="egress",rule="\#(rule)"} "#
        return proxy.runtime.metricsText().split(separator: "\n")
            .first { $0.hasPrefix(prefix) }
            .flatMap { Int($0.dropFirst(prefix.count)) }
    }

    @Test func theDefaultRefusesLoopbackAndTheAdminAPIWith403() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML(destinations: nil)) { proxy, origin in
            let admin = try await startAdmin(proxy)
            defer { admin.task.cancel() }
            let toOrigin = try get(proxy, "http://127.0.0.1:\(origin.port)/hello")
            #expect(toOrigin.hasPrefix("HTTP/1.1 403 Forbidden\r\n"), "\(toOrigin)")
            #expect(toOrigin.hasSuffix("\r\n\r\ndestination 127.0.0.1:\(origin.port) denied by rule private-address\n"))
            let toAdmin = try get(proxy, "http://127.0.0.1:\(admin.port)/api/v1/config")
            #expect(toAdmin.hasPrefix("HTTP/1.1 403"), "\(toAdmin)")
            #expect(toAdmin.contains("denied by rule self-address"), "its own addresses come first")
            let toIPv6 = try get(proxy, "http://[::1]:\(origin.port)/hello")
            #expect(toIPv6.contains("destination [::1]:\(origin.port) denied by rule private-address"), "\(toIPv6)")
            let byName = try get(proxy, "http://localhost:\(origin.port)/hello")
            #expect(byName.hasPrefix("HTTP/1.1 403"), "\(byName)")
            #expect(byName.contains("destination localhost:\(origin.port) ("), "the refused address is named")
            #expect(byName.contains("denied by rule private-address"))
            let decimal = try get(proxy, "http://2130706433:\(origin.port)/hello")
            #expect(
                decimal.contains("destination 2130706433:\(origin.port) (127.0.0.1) denied by rule private-address"),
                "a name that is an address in disguise is checked as the address it resolves to: \(decimal)")
            let tunnel = try ask(proxy, "CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n")
            #expect(tunnel.hasPrefix("HTTP/1.1 403"), "\(tunnel)")
            #expect(tunnel.contains("\r\nx-switchyard-denied-by: private-address\r\n"), "a CONNECT answer has no body")
            #expect(origin.requests.isEmpty, "nothing refused reaches the origin")
            #expect(deniedCount(proxy, rule: "private-address") == 5)
            #expect(deniedCount(proxy, rule: "self-address") == 1)
        }
    }

    @Test func allowPrivateLetsLoopbackOriginsThrough() async throws {
        let yaml = ProxyHarness.forwardYAML(destinations: "{ allow_private: true }")
        try await withProxy(yaml: yaml) { proxy, origin in
            let byAddress = try get(proxy, "http://127.0.0.1:\(origin.port)/hello")
            #expect(byAddress.hasPrefix("HTTP/1.1 200"), "\(byAddress)")
            #expect(byAddress.hasSuffix("ok"))
            let byName = try get(proxy, "http://localhost:\(origin.port)/hello")
            #expect(byName.hasPrefix("HTTP/1.1 200"), "\(byName)")
            #expect(origin.requests.count == 2)
            #expect(deniedCount(proxy, rule: "private-address") == nil)
        }
    }

    @Test func theProxyItselfAndItsAdminAreAlwaysDenied() async throws {
        let everything = "{ action: allow, cidrs: [\"0.0.0.0/0\", \"::/0\"] }"
        let yaml = ProxyHarness.forwardYAML(destinations: "{ allow_private: true, rules: [ \(everything) ] }")
        try await withProxy(yaml: yaml) { proxy, origin in
            let admin = try await startAdmin(proxy)
            defer { admin.task.cancel() }
            let loop = try get(proxy, "http://127.0.0.1:\(proxy.port)/")
            #expect(loop.contains("destination 127.0.0.1:\(proxy.port) denied by rule self-address"), "\(loop)")
            let tunnelLoop = try ask(proxy, "CONNECT 127.0.0.1:\(proxy.port) HTTP/1.1\r\n\r\n")
            #expect(tunnelLoop.hasPrefix("HTTP/1.1 403"), "\(tunnelLoop)")
            #expect(tunnelLoop.contains("\r\nx-switchyard-denied-by: self-address\r\n"))
            let viaUnspecified = try get(proxy, "http://0.0.0.0:\(proxy.port)/")
            #expect(viaUnspecified.contains("denied by rule self-address"), "\(viaUnspecified)")
            let toAdmin = try get(proxy, "http://127.0.0.1:\(admin.port)/api/v1/config")
            #expect(toAdmin.contains("destination 127.0.0.1:\(admin.port) denied by rule self-address"), "\(toAdmin)")
            #expect(try get(proxy, "http://127.0.0.1:\(origin.port)/hello").hasPrefix("HTTP/1.1 200"))
            #expect(deniedCount(proxy, rule: "self-address") == 4)
        }
    }

    @Test func connectGoesOnlyTo443UnlessARuleAllowsThePort() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML(destinations: "{ allow_private: true }")) { proxy, _ in
            let echo = try await TCPServer.echo(group: proxy.group)
            defer { echo.close(promise: nil) }
            let port = echo.localAddress!.port!
            let reply = try ask(proxy, "CONNECT 127.0.0.1:\(port) HTTP/1.1\r\n\r\nhello")
            #expect(reply.hasPrefix("HTTP/1.1 403"), "\(reply)")
            #expect(reply.contains("\r\nx-switchyard-denied-by: connect-port\r\n"))
            #expect(!reply.contains("hello"), "no byte went through")
            #expect(deniedCount(proxy, rule: "connect-port") == 1)
        }
        let opened = "{ allow_private: true, rules: [ { action: allow, methods: [CONNECT], ports: [\"1024-65535\"] } ] }"
        try await withProxy(yaml: ProxyHarness.forwardYAML(destinations: opened)) { proxy, _ in
            let echo = try await TCPServer.echo(group: proxy.group)
            defer { echo.close(promise: nil) }
            let client = try RawClient(port: proxy.port)
            try client.send("CONNECT 127.0.0.1:\(echo.localAddress!.port!) HTTP/1.1\r\n\r\nhello")
            #expect(try client.receive(until: "hello").hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func rulesMatchByHostSuffixUserCIDRPortAndMethod() async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let echo = resources.track(try await TCPServer.echo(group: resources.group))
            let echoPort = echo.localAddress!.port!
            let destinations = """
                { allow_private: true, rules: [
                      { name: dot-localhost, action: deny, hosts: ["*.localhost"] },
                      { name: no-bob, action: deny, users: [bob] },
                      { name: plain-origin, action: deny, methods: [plain], cidrs: ["127.0.0.0/8"], ports: [\(origin.port)] },
                      { name: tunnels-to-origin, action: allow, methods: [CONNECT], ports: ["\(origin.port)-\(origin.port)"] } ] }
                """.replacingOccurrences(of: "\n", with: " ")
            var yaml = ProxyHarness.forwardYAML(auth: ("alice", "alice-pw"), destinations: destinations)
            yaml = yaml.replacingOccurrences(
                of: "{ username: \"alice\", password: \"alice-pw\" }",
                with: "{ username: \"alice\", password: \"alice-pw\" }, { username: bob, password: bob-pw }")
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))

            let suffix = try get(proxy, "http://api.localhost:\(origin.port)/", credentials: "alice:alice-pw")
            #expect(suffix.contains("destination api.localhost:\(origin.port) denied by rule dot-localhost"), "\(suffix)")
            let bob = try get(proxy, "http://127.0.0.1:\(origin.port)/", credentials: "bob:bob-pw")
            #expect(bob.contains("denied by rule no-bob"), "\(bob)")
            let plain = try get(proxy, "http://127.0.0.1:\(origin.port)/", credentials: "alice:alice-pw")
            #expect(plain.contains("denied by rule plain-origin"), "\(plain)")
            #expect(origin.requests.isEmpty)

            let tunnel = try RawClient(port: proxy.port)
            let auth = "Proxy-Authorization: Basic \(Data("alice:alice-pw".utf8).base64EncodedString())\r\n"
            try tunnel.send(
                "CONNECT 127.0.0.1:\(origin.port) HTTP/1.1\r\n\(auth)\r\n"
                    + "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            let through = try tunnel.receive(until: "\r\n\r\nok")
            #expect(through.hasPrefix("HTTP/1.1 200 Connection Established"), "\(through)")
            #expect(through.hasSuffix("ok"))
            #expect(origin.requests.count == 1)
            let otherPort = try ask(proxy, "CONNECT 127.0.0.1:\(echoPort) HTTP/1.1\r\n\(auth)\r\n")
            #expect(otherPort.contains("\r\nx-switchyard-denied-by: connect-port\r\n"), "\(otherPort)")

            for rule in ["dot-localhost", "no-bob", "plain-origin", "connect-port"] {
                #expect(deniedCount(proxy, rule: rule) == 1, "\(rule)")
            }
            #expect(deniedCount(proxy, rule: "tunnels-to-origin") == nil)
        }
    }

    @Test func metadataAddressesAreRefusedWithoutDialling() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML(destinations: nil)) { proxy, _ in
            let clock = ContinuousClock()
            let start = clock.now
            let plain = try get(proxy, "http://169.254.169.254/latest/meta-data/")
            let tunnel = try ask(proxy, "CONNECT 169.254.169.254:443 HTTP/1.1\r\n\r\n")
            let elapsed = clock.now - start
            #expect(plain.hasPrefix("HTTP/1.1 403"), "\(plain)")
            #expect(plain.contains("destination 169.254.169.254:80 denied by rule metadata"))
            #expect(plain.contains("\r\nx-switchyard-denied-by: metadata\r\n"))
            #expect(tunnel.contains("\r\nx-switchyard-denied-by: metadata\r\n"), "\(tunnel)")
            #expect(elapsed < .milliseconds(500), "refused before any connect, got \(elapsed)")
            #expect(deniedCount(proxy, rule: "metadata") == 2)
        }
    }
}
