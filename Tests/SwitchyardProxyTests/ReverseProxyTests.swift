import Testing

/// curl through a reverse listener to in-process loopback backends.
@Suite(.timeLimit(.minutes(2)))
struct ReverseProxyTests {
    @Test func roundRobinSplitsEvenly() async throws {
        try await withReverseProxy(backends: 2, yaml: { ports in
            ReverseSetup.yaml(routes: "      - pool: web", pools: [.init(name: "web", ports: ports, policy: "round-robin")])
        }) { proxy, backends in
            let result = try Subprocess.curl(["-o", "/dev/null", "\(proxy.proxyURL)/page?[1-100]"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(backends.map(\.requests.count) == [50, 50])
        }
    }

    @Test func weightsThreeToOneSplit300Requests225To75() async throws {
        try await withReverseProxy(backends: 2, yaml: { ports in
            ReverseSetup.yaml(
                routes: "      - pool: web",
                pools: [.init(name: "web", ports: ports, weights: [3, 1], policy: "weighted-round-robin")])
        }) { proxy, backends in
            let result = try Subprocess.curl(["-o", "/dev/null", "\(proxy.proxyURL)/page?[1-300]"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(backends.map(\.requests.count) == [225, 75])
        }
    }

    @Test func routesByHostAndPathAndAnswers404WithoutAMatch() async throws {
        try await withReverseProxy(backends: 3, yaml: { ports in
            ReverseSetup.yaml(
                routes: """
                          - match: { host: "api.example.com", path_prefix: "/v1/" }
                            pool: api
                          - match: { host: "*.static.example.com" }
                            pool: static
                          - match: { method: DELETE, headers: { X-Admin: "yes" } }
                            pool: admin
                    """,
                pools: [
                    .init(name: "api", ports: [ports[0]]), .init(name: "static", ports: [ports[1]]),
                    .init(name: "admin", ports: [ports[2]]),
                ]
            )
        }) { proxy, backends in
            let cases: [([String], String)] = [
                (["-H", "Host: api.example.com", "\(proxy.proxyURL)/v1/users"], "200"),
                (["-H", "Host: API.example.com:8080", "\(proxy.proxyURL)/v1/x"], "200"),
                (["-H", "Host: img.static.example.com", "\(proxy.proxyURL)/logo.png"], "200"),
                (["-X", "DELETE", "-H", "X-Admin: yes", "\(proxy.proxyURL)/thing"], "200"),
                (["-H", "Host: api.example.com", "\(proxy.proxyURL)/v2/users"], "404"),
                (["-H", "Host: static.example.com", "\(proxy.proxyURL)/logo.png"], "404"),
                (["-X", "DELETE", "\(proxy.proxyURL)/thing"], "404"),
            ]
            for (arguments, expected) in cases {
                let status = try Subprocess.curl(["-o", "/dev/null", "-w", "%{http_code}"] + arguments).stdout
                #expect(status == expected, "\(arguments)")
            }
            #expect(backends.map(\.requests.count) == [2, 1, 1])
            #expect(backends[0].requests.map(\.uri) == ["/v1/users", "/v1/x"])
        }
    }

    @Test func forwardingHeadersAndRequestIDs() async throws {
        try await withReverseProxy(backends: 1, yaml: { ports in
            ReverseSetup.yaml(
                routes: "      - pool: web", pools: [.init(name: "web", ports: ports)],
                listenerExtra: "    add_forwarded: true\n")
        }) { proxy, backends in
            let first = try Subprocess.curl(["-i", "-H", "Host: shop.example", "-H", "X-Forwarded-For: 10.1.2.3",
                                             "-H", "Connection: X-Hop", "-H", "X-Hop: 1", "\(proxy.proxyURL)/a"])
            #expect(first.status == 0, "\(first.stderr)")
            _ = try Subprocess.curl(["-H", "X-Request-Id: given-id-42", "\(proxy.proxyURL)/b"])
            let seen = backends[0].requests
            #expect(seen.count == 2)
            let headers = seen[0].headers
            #expect(headers["host"] == ["shop.example"])
            #expect(headers["x-forwarded-for"] == ["10.1.2.3, 127.0.0.1"])
            #expect(headers["x-forwarded-proto"] == ["http"])
            #expect(headers["x-forwarded-host"] == ["shop.example"])
            #expect(headers["forwarded"] == ["for=127.0.0.1;proto=http;host=\"shop.example\""])
            #expect(headers["x-hop"].isEmpty)
            #expect(headers["x-request-id"].first?.count == 32)
            #expect(seen[1].headers["x-request-id"] == ["given-id-42"])
        }
    }

    @Test func hostIsRewrittenWhenThePoolAsks() async throws {
        try await withReverseProxy(backends: 1, yaml: { ports in
            ReverseSetup.yaml(
                routes: "      - pool: web",
                pools: [.init(name: "web", ports: ports, extra: "    host_header: rewrite\n")])
        }) { proxy, backends in
            _ = try Subprocess.curl(["-H", "Host: shop.example", "\(proxy.proxyURL)/"])
            #expect(backends[0].requests.first?.headers["host"] == ["127.0.0.1:\(backends[0].port)"])
        }
    }
}
