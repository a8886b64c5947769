import Foundation
import SwitchyardAdmin
import Testing

/// The admin server over a running Switchyard: read endpoints, keys, and changes that take effect on live traffic.
@Suite(.timeLimit(.minutes(2)))
struct AdminEndToEndTests {
    static let apiKey = "api-key-0123456789abcdef"
    static let adminKey = "admin-key-0123456789abcdef"

    private func forwardYAML() -> String {
        """
        log: { level: error, format: text }
        admin: { listen: "127.0.0.1:0", api_keys: ["\(Self.apiKey)"], admin_keys: ["\(Self.adminKey)"] }
        listeners:
          - { name: egress, mode: forward, listen: "127.0.0.1:0", pool: out }
        pools:
          out:
            policy: round-robin
            targets: [ { source_ip: 127.0.0.2 }, { source_ip: 127.0.0.3 } ]

        """
    }

    /// Runs `body` with a proxy, its admin server's base URL and an origin.
    private func withAdmin(_ body: (ProxyHarness, String, TestOrigin, TestResources) async throws -> Void) async throws {
        try await withResources { resources in
            let proxy = resources.track(try await ProxyHarness(yaml: forwardYAML()))
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let server = proxy.runtime.makeAdminServer(host: "127.0.0.1", port: 0)
            let task = Task { try await server.run() }
            defer { task.cancel() }
            let deadline = ContinuousClock.now + .seconds(10)
            while server.boundPort == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            let port = try #require(server.boundPort)
            try await body(proxy, "http://127.0.0.1:\(port)", origin, resources)
        }
    }

    /// `status body` of one admin request made with curl.
    private func call(_ method: String, _ url: String, key: String? = nil, body: String? = nil) async throws -> (Int, String) {
        var arguments = ["-s", "-X", method, "-w", "\n%{http_code}"]
        if let key { arguments += ["-H", "X-API-Key: \(key)"] }
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        let result = try await Subprocess.curlOffPool(arguments + [url])
        let output = result.stdout
        guard let status = output.split(separator: "\n").last.flatMap({ Int($0) }) else { return (0, result.stderr) }
        return (status, String(output.dropLast(String(status).count + 1)))
    }

    @Test func readEndpointsAndKeys() async throws {
        try await withAdmin { proxy, admin, origin, _ in
            let health = try await call("GET", "\(admin)/health")
            #expect(health.0 == 200, "\(health.1)")
            #expect(try await call("GET", "\(admin)/ready").0 == 200)
            _ = try Subprocess.curl(["-s", "-x", proxy.proxyURL, "http://127.0.0.1:\(origin.port)/ip?[1-4]"])
            try await Task.sleep(for: .milliseconds(100))
            let metrics = try await call("GET", "\(admin)/metrics").1
            #expect(metrics.contains(#"switchyard_requests_total{listener="egress",method="GET",status="200"} 4"#))
            #expect(try await call("GET", "\(admin)/stats").0 == 401, "stats need a key once keys are configured")
            #expect(try await call("GET", "\(admin)/stats", key: "wrong-key-0123456789").0 == 401)
            let stats = try await call("GET", "\(admin)/stats", key: Self.apiKey)
            #expect(stats.0 == 200 && stats.1.contains(#""requests":4"#))
            #expect(try await call("GET", "\(admin)/api/v1/security/keys", key: Self.apiKey).0 == 403)
            #expect(try await call("GET", "\(admin)/api/v1/security/keys", key: Self.adminKey).0 == 200)
            let page = try await call("GET", "\(admin)/")
            #expect(page.0 == 200 && page.1.contains("<html"))
            let afterFailures = try await call("GET", "\(admin)/metrics").1
            #expect(afterFailures.contains(#"switchyard_auth_failures_total{listener="admin"} 3"#))
        }
    }

    @Test func drainingATargetLetsItsTunnelFinishAndSendsNothingNewToIt() async throws {
        try await withAdmin { proxy, admin, origin, resources in
            let echo = resources.track(try await TCPServer.echo(group: resources.group))
            let port = echo.localAddress!.port!
            let tunnel = try RawClient(port: proxy.port)
            try tunnel.send("CONNECT 127.0.0.1:\(port) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n")
            #expect(try tunnel.receive(until: "\r\n\r\n").hasPrefix("HTTP/1.1 200"))
            let busy = ["127.0.0.2", "127.0.0.3"].first { proxy.runtime.target($0, inPool: "out")!.connections.active == 1 }
            let drained = try #require(busy)
            let other = drained == "127.0.0.2" ? "127.0.0.3" : "127.0.0.2"

            let patch = try await call("PATCH", "\(admin)/api/v1/pools/out/targets/\(drained)", key: Self.apiKey, body: #"{"draining":true}"#)
            #expect(patch.0 == 200 && patch.1.contains(#""draining":true"#))

            try tunnel.send("still-open")
            #expect(try tunnel.receive(until: "still-open") == "still-open", "the open tunnel keeps working")
            _ = try Subprocess.curl(["-s", "-o", "/dev/null", "-x", proxy.proxyURL, "http://127.0.0.1:\(origin.port)/ip?[1-6]"])
            #expect(Set(origin.requests.map(\.sourceIP)) == [other], "no new connection goes to the drained target")
            tunnel.shutdownWrite()
        }
    }

    @Test func addedTargetsReceiveTrafficAndAnInvalidConfigChangesNothing() async throws {
        try await withAdmin { proxy, admin, origin, _ in
            let added = try await call("POST", "\(admin)/api/v1/pools/out/targets", key: Self.apiKey, body: #"{"source_ip":"127.0.0.4"}"#)
            #expect(added.0 == 201, "\(added.1)")
            _ = try Subprocess.curl(["-s", "-o", "/dev/null", "-x", proxy.proxyURL, "http://127.0.0.1:\(origin.port)/ip?[1-6]"])
            #expect(origin.requests.filter { $0.sourceIP == "127.0.0.4" }.count == 2)

            let before = proxy.runtime.config
            let invalid = "listeners: []\npools: { out: { policy: nope, targets: [] } }\n"
            let put = try await Subprocess.curlOffPool([
                "-s", "-X", "PUT", "-H", "X-API-Key: \(Self.apiKey)", "-H", "Content-Type: application/yaml",
                "--data-binary", invalid, "-w", "\n%{http_code}", "\(admin)/api/v1/config",
            ]).stdout
            #expect(put.hasSuffix("422"))
            #expect(put.contains("pools.out.policy") && put.contains("pools.out.targets") && put.contains("listeners"))
            #expect(proxy.runtime.config == before)
        }
    }
}
