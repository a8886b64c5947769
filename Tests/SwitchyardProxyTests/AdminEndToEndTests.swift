import Foundation
import SwitchyardAdmin
import Testing

/// The admin server over a running Switchyard: read endpoints, keys, and changes that take effect on live traffic.
@Suite(.timeLimit(.minutes(2)))
struct AdminEndToEndTests {
    static let apiKey = "api-key-0123456789abcdef"
    static let adminKey = "admin-key-0123456789abcdef"

    private func forwardYAML(
        keys: String = "api_keys: [\"\(apiKey)\"], admin_keys: [\"\(adminKey)\"]", users: String = ""
    ) -> String {
        """
        log: { level: error, format: text }
        admin: { listen: "127.0.0.1:0", \(keys) }
        destinations: \(ProxyHarness.loopbackDestinations)
        listeners:
          - { name: egress, mode: forward, listen: "127.0.0.1:0", pool: out\(users) }
        pools:
          out:
            policy: round-robin
            targets: [ { source_ip: 127.0.0.2 }, { source_ip: 127.0.0.3 } ]

        """
    }

    private func withAdmin(
        yaml: String? = nil, _ body: (ProxyHarness, String, TestOrigin, TestResources) async throws -> Void
    ) async throws {
        try await withAdminServer(yaml: yaml ?? forwardYAML(), body)
    }

    private func call(_ method: String, _ url: String, key: String? = nil, body: String? = nil) async throws -> (Int, String) {
        try await adminCall(method, url, key: key, body: body)
    }

    @Test func onlyAnAdminKeyChangesKeysAndRedactedSecretsAreKept() async throws {
        let users = ", auth: { users: [ { username: alice, password: \"alice-password\" } ] }"
        try await withAdmin(yaml: forwardYAML(users: users)) { proxy, admin, origin, _ in
            let shown = try await call("GET", "\(admin)/api/v1/config", key: Self.apiKey)
            #expect(shown.0 == 200)
            for secret in [Self.apiKey, Self.adminKey, "alice-password"] { #expect(!shown.1.contains(secret)) }
            // Sent back as shown, the config keeps every secret: the placeholder means "keep the current one".
            #expect(try await call("PUT", "\(admin)/api/v1/config", key: Self.apiKey, body: shown.1).0 == 200)
            #expect(try await call("GET", "\(admin)/api/v1/security/keys", key: Self.adminKey).0 == 200)
            let url = "http://127.0.0.1:\(origin.port)/"
            let proxied = try Subprocess.curl(["-s", "-x", "http://alice:alice-password@127.0.0.1:\(proxy.port)", url])
            #expect(proxied.stdout == "ok", "the user's real password still works")
            // A placeholder that stands for nothing is refused, naming the field.
            let unknown = shown.1.replacingOccurrences(of: "username: \"alice\"", with: "username: \"bob\"")
            let refused = try await call("PUT", "\(admin)/api/v1/config", key: Self.apiKey, body: unknown)
            #expect(refused.0 == 422 && refused.1.contains("auth.users[0].password"), "\(refused)")
            // An API key can neither replace the admin keys nor remove every key.
            let takeover = forwardYAML(keys: "api_keys: [\"\(Self.apiKey)\"], admin_keys: [\"attacker-key-0123456789\"]")
            #expect(try await call("PUT", "\(admin)/api/v1/config", key: Self.apiKey, body: takeover).0 == 403)
            let open = forwardYAML(keys: "persist: false")
            #expect(try await call("PUT", "\(admin)/api/v1/config", key: Self.apiKey, body: open).0 == 403)
            #expect(try await call("GET", "\(admin)/api/v1/security/keys", key: Self.adminKey).0 == 200)
            // An admin key may.
            #expect(try await call("PUT", "\(admin)/api/v1/config", key: Self.adminKey, body: takeover).0 == 200)
            #expect(try await call("GET", "\(admin)/api/v1/security/keys", key: "attacker-key-0123456789").0 == 200)
        }
    }

    @Test func absurdWeightsAreRefusedAndTheProxyKeepsServing() async throws {
        try await withAdmin { proxy, admin, origin, _ in
            let target = "\(admin)/api/v1/pools/out/targets/127.0.0.2"
            for weight in ["9223372036854775807", "10001", "-1"] {
                let answer = try await call("PATCH", target, key: Self.apiKey, body: #"{"weight": \#(weight)}"#)
                #expect(answer.0 == 422, "weight \(weight): \(answer)")
            }
            #expect(try await call("PATCH", target, key: Self.apiKey, body: #"{"weight": 10000}"#).0 == 200)
            let added = try await call(
                "POST", "\(admin)/api/v1/pools/out/targets", key: Self.apiKey,
                body: #"{"source_ip": "127.0.0.4", "weight": 4611686018427387904}"#)
            #expect(added.0 == 422, "\(added)")
            let proxied = try Subprocess.curl(["-s", "-x", proxy.proxyURL, "http://127.0.0.1:\(origin.port)/?[1-20]"])
            #expect(proxied.stdout == String(repeating: "ok", count: 20))
        }
    }

    /// A pool keeps at least one target: removing the last one is a conflict (409), not a validation failure of a
    /// body the request never had.
    @Test func theLastTargetOfAPoolCannotBeRemoved() async throws {
        try await withAdmin { proxy, admin, _, _ in
            let targets = "\(admin)/api/v1/pools/out/targets"
            #expect(try await call("DELETE", "\(targets)/127.0.0.2", key: Self.apiKey).0 == 204)
            let refused = try await call("DELETE", "\(targets)/127.0.0.3", key: Self.apiKey)
            #expect(refused.0 == 409, "\(refused)")
            #expect(refused.1.contains("only target of pool out"))
            #expect(proxy.runtime.target("127.0.0.3", inPool: "out") != nil)
        }
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
