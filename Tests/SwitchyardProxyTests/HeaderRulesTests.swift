import Testing

/// `header_rules` end to end: what a recording backend receives and what the client gets back, through reverse and
/// forward listeners, with the listener's, route's and pool's rules in their order and the templates filled in.
@Suite(.timeLimit(.minutes(1)))
struct HeaderRulesTests {
    /// The response headers of a GET through curl (`arguments` add the URL and any options), names lower-cased.
    static func responseHeaders(_ arguments: [String]) async throws -> [(name: String, value: String)] {
        let result = try await HTTPLoad.onThread { try Subprocess.curl(["-o", "/dev/null", "-D", "-"] + arguments) }
        return result.stdout.split(separator: "\r\n").dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    static func values(_ name: String, in headers: [(name: String, value: String)]) -> [String] {
        headers.filter { $0.name == name }.map(\.value)
    }

    @Test func reverseRulesReachTheBackendAndTheClientInTheirOrder() async throws {
        let listener = """
                header_rules:
                  request: { set: { X-Layer: listener, X-Client: "{client_ip}" }, remove: [X-Forwarded-Proto] }
                  response: { add: { X-Layer: listener }, remove: [X-Drop] }

            """
        let routes = """
                  - match: { path_prefix: "/" }
                    pool: api
                    header_rules:
                      request: { set: { X-Layer: route, X-Seen: "{route} {request_id}" }, remove: [X-Debug] }
                      response: { set: { X-Layer: route } }
            """
        let pool = """
                header_rules:
                  request: { add: { X-Layer: pool, X-Target: "{target}" } }
                  response: { set: { X-Layer: pool, X-Drop: "1", X-Served-By: "{{{target}}}" } }

            """
        let yaml = { (ports: [Int]) in
            ReverseSetup.yaml(
                routes: routes, pools: [.init(name: "api", ports: ports, extra: pool)], listenerExtra: listener)
        }
        try await withReverseProxy(backends: 1, yaml: yaml) { proxy, origins in
            let backend = "http://127.0.0.1:\(origins[0].port)"
            let response = try await Self.responseHeaders([
                "-H", "X-Debug: 1", "-H", "X-Request-Id: req-42", "-H", "X-Layer: client", "\(proxy.proxyURL)/item",
            ])
            let seen = try #require(origins[0].requests.first).headers
            #expect(seen["x-layer"] == ["route", "pool"], "listener, then route (set), then pool (add)")
            #expect(seen["x-client"] == ["127.0.0.1"])
            #expect(seen["x-seen"] == ["routes[0] req-42"])
            #expect(seen["x-target"] == [backend])
            #expect(seen["x-debug"].isEmpty)
            #expect(seen["x-forwarded-proto"].isEmpty, "rules run after the built-in headers")
            #expect(seen["x-forwarded-for"] == ["127.0.0.1"], "the built-in headers are still there")

            #expect(Self.values("x-layer", in: response) == ["route", "listener"], "pool, then route, then listener")
            #expect(Self.values("x-drop", in: response).isEmpty)
            #expect(Self.values("x-served-by", in: response) == ["{\(backend)}"])
            #expect(Self.values("content-length", in: response) == ["2"], "framing untouched")
        }
    }

    @Test func forwardRulesReachTheOriginAndTheClient() async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let yaml = ProxyHarness.forwardYAML(
                sourceIPs: ["127.0.0.3"],
                listenerExtra: """
                        header_rules: { request: { set: { X-Client: "{client_ip}" }, remove: [User-Agent] } }

                    """,
                poolExtra: """
                        header_rules:
                          request: { add: { X-Egress: "{target}" } }
                          response: { set: { X-Egress: "{target}{route}" } }

                    """)
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            let response = try await Self.responseHeaders(["-x", proxy.proxyURL, "http://127.0.0.1:\(origin.port)/ip"])
            let seen = try #require(origin.requests.first)
            #expect(seen.sourceIP == "127.0.0.3")
            #expect(seen.headers["x-client"] == ["127.0.0.1"])
            #expect(seen.headers["x-egress"] == ["127.0.0.3"])
            #expect(seen.headers["user-agent"].isEmpty)
            #expect(Self.values("x-egress", in: response) == ["127.0.0.3"], "{route} is empty on forward listeners")
        }
    }
}
