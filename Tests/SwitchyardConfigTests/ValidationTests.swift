import Testing

@testable import SwitchyardConfig

@Suite struct ValidationTests {
    @Test func severalErrorsAreReportedAtOnceWithPathsAndLines() {
        let yaml = """
            listeners:
              - name: egress
                mode: forward
                listen: "127.0.0.1:3128"
                pool: outbund
                max_connections: 0
              - name: egress
                mode: forward
                listen: "127.0.0.1:3128"
                pool: outbound
                max_header_bytes: 100
            pools:
              outbound:
                targets:
                  - source_ip: "192.168.1.100"
                  - source_ip: "300.1.1.1"
                    weight: -1
                  - source_ip: "192.168.1.100"

            """
        let found = issues(in: yaml)
        #expect(
            found.map(\.description) == [
                "cfg.yaml:5: listeners[0].pool: no pool named \"outbund\"; did you mean \"outbound\"?",
                "cfg.yaml:6: listeners[0].max_connections: must be at least 1, got 0",
                "cfg.yaml:7: listeners[1].name: duplicate listener name \"egress\" (also listeners[0])",
                "cfg.yaml:9: listeners[1].listen: 127.0.0.1:3128 is already used by listener \"egress\"",
                "cfg.yaml:11: listeners[1].max_header_bytes: must be 1024-81920, got 100",
                "cfg.yaml:16: pools.outbound.targets[1].source_ip: \"300.1.1.1\" is not an IP address",
                "cfg.yaml:17: pools.outbound.targets[1].weight: must be from 0 to 10000, got -1",
                "cfg.yaml:18: pools.outbound.targets[2]: duplicate source_ip \"192.168.1.100\" (same as targets[0])",
            ])
    }

    @Test func emptyFileHasNoListeners() {
        #expect(
            issues(in: "").map(\.description) == [
                "cfg.yaml: listeners: no listeners; define at least one under \"listeners\""
            ])
        #expect(issues(in: "# only a comment\n").map(\.path) == ["listeners"])
    }

    @Test func listenerNameMustNotBeEmpty() {
        let found = issues(in: minimalYAML.replacing("name: egress", with: "name: \"\""))
        #expect(found.map(\.path) == ["listeners[0].name"])
        #expect(found.first?.line == 2)
    }

    @Test func missingPoolListsDefinedPoolsWhenNothingIsClose() {
        let found = issues(in: minimalYAML.replacing("pool: outbound", with: "pool: elsewhere"))
        #expect(found.map(\.message) == ["no pool named \"elsewhere\"; defined pools: outbound"])
    }

    @Test func poolNeedsATarget() {
        let found = issues(in: minimalYAML.replacing("      - {}", with: "").replacing("targets:", with: "targets: []"))
        #expect(found.map(\.path) == ["pools.outbound.targets"])
        #expect(found.first?.line == 8)
        let missing = issues(
            in: minimalYAML.replacing("    targets:\n      - {}\n", with: "    policy: lru-per-host\n"))
        #expect(missing.map(\.description) == ["cfg.yaml:7: pools.outbound.targets: \"targets\" is required"])
    }

    @Test func twoDefaultRouteTargetsAreDuplicates() {
        let found = issues(in: minimalYAML + "      - {}\n")
        #expect(found.map(\.path) == ["pools.outbound.targets[1]"])
        #expect(found.first?.message == "duplicate target without source_ip (same as targets[0])")
    }

    @Test func unknownPolicyListsKnownOnes() {
        let found = issues(in: minimalYAML + "    policy: fastest\n")
        #expect(found.map(\.path) == ["pools.outbound.policy"])
        #expect(
            found.first?.message
                == "unknown policy \"fastest\"; known policies: round-robin, weighted-round-robin, random, "
                + "weighted-random, least-connections, power-of-two, least-response-time, ip-hash, consistent-hash, "
                + "lru-per-host, adaptive-weighted, auto")
        #expect(
            issues(in: minimalYAML + "    policy: lru-per-hots\n").first?.message.contains(
                "did you mean \"lru-per-host\"?") == true)
    }

    @Test func countsAndDurationsHaveLowerBounds() {
        let yaml =
            minimalYAML + """
                    max_connections_per_target: 0
                    policy_options: { history_window: 0s, history_size: -1, history_max_total_entries: 0 }
                    keepalive: { max_idle_per_destination: 0, idle_timeout: 0ms }

                """
        #expect(
            issues(in: yaml).map(\.path) == [
                "pools.outbound.policy_options.history_window", "pools.outbound.policy_options.history_size",
                "pools.outbound.policy_options.history_max_total_entries", "pools.outbound.max_connections_per_target", "pools.outbound.keepalive.idle_timeout",
            ])
        let timeouts = minimalYAML.replacing("pool: outbound", with: "pool: outbound\n    timeouts: { connect: 0s }")
        #expect(
            issues(in: timeouts).map(\.description) == [
                "cfg.yaml:6: listeners[0].timeouts.connect: must be greater than 0, got 0s"
            ])
    }

    @Test func maxHeaderBytesHasAnUpperBound() {
        let yaml = minimalYAML.replacing("pool: outbound", with: "pool: outbound\n    max_header_bytes: 81921")
        #expect(issues(in: yaml).map(\.path) == ["listeners[0].max_header_bytes"])
        let largest = minimalYAML.replacing("pool: outbound", with: "pool: outbound\n    max_header_bytes: 81920")
        #expect(issues(in: largest).isEmpty)
    }

    @Test func authNeedsUsableUsers() {
        let users = """
            pool: outbound
                auth:
                  users:
                    - { username: "a:b", password: x }
                    - { username: c, password: x }
                    - { username: c, password: y }
            """
        let yaml = minimalYAML.replacing("pool: outbound", with: users)
        #expect(
            issues(in: yaml).map(\.path) == [
                "listeners[0].auth.users[0].username", "listeners[0].auth.users[2].username",
            ])
        let empty = minimalYAML.replacing("pool: outbound", with: "pool: outbound\n    auth: { users: [] }")
        #expect(issues(in: empty).map(\.path) == ["listeners[0].auth.users"])
    }

    @Test func adminMustNotShareAListenerAddress() {
        let found = issues(in: "admin: { listen: \"127.0.0.1:3128\" }\n" + minimalYAML)
        #expect(
            found.map(\.description) == [
                "cfg.yaml:1: admin.listen: 127.0.0.1:3128 is already used by listener \"egress\""
            ])
    }

    @Test func proxyCredentialsHaveABoundedLength() {
        let user = { (password: String) in
            minimalYAML.replacing("pool: outbound", with: "pool: outbound\n    auth: { users: [ { username: al, password: \"\(password)\" } ] }")
        }
        #expect(issues(in: user(String(repeating: "p", count: 509))).isEmpty)
        #expect(issues(in: user(String(repeating: "p", count: 510))).map(\.path) == ["listeners[0].auth.users[0].password"])
    }

    @Test func anAdminAPIWithoutKeysListensOnLoopbackOnly() {
        for address in ["0.0.0.0:9090", "[::]:9090", "192.0.2.1:9090"] {
            let found = issues(in: "admin: { listen: \"\(address)\" }\n" + minimalYAML)
            #expect(found.map(\.description).first?.hasPrefix("cfg.yaml:1: admin.listen: without api_keys") == true)
        }
        let keyed = "admin: { listen: \"0.0.0.0:9090\", api_keys: [\"0123456789abcdef\"] }\n"
        #expect(issues(in: keyed + minimalYAML).isEmpty)
        for address in ["127.0.0.1:9090", "[::1]:9090", "localhost:9090"] {
            #expect(issues(in: "admin: { listen: \"\(address)\" }\n" + minimalYAML).isEmpty)
        }
    }

    @Test func unknownModeListsTheKnownOnes() {
        let found = issues(in: minimalYAML.replacing("mode: forward", with: "mode: socks4"))
        #expect(found.map(\.path) == ["listeners[0].mode"])
        #expect(
            found.first?.message
                == "\"socks4\" is not a listener mode; expected one of forward, reverse, socks5; did you mean \"socks5\"?")
        #expect(issues(in: minimalYAML.replacing("mode: forward", with: "mode: socks5")).isEmpty)
    }

    @Test func reverseListenersNeedRoutesToExistingPoolsOfURLTargets() {
        let yaml = """
            listeners:
              - name: web
                mode: reverse
                listen: "127.0.0.1:8080"
                routes:
                  - match: { host: "a.example" }
                    pool: api
                  - pool: missing
                tls: { cert: c.pem, key: k.pem, client_auth: require }
            pools:
              api:
                targets:
                  - url: "http://127.0.0.1:9001"
                  - source_ip: "127.0.0.2"
                  - url: "ftp://x"
                  - url: "https://127.0.0.1:9443/path"
            """
        #expect(
            issues(in: yaml).map(\.description) == [
                "cfg.yaml:8: listeners[0].routes[1].pool: no pool named \"missing\"; defined pools: api",
                "cfg.yaml:9: listeners[0].tls.client_ca: client_auth require needs client_ca",
                "cfg.yaml:14: pools.api.targets[1].url: targets of a pool used by a reverse listener need a url",
                "cfg.yaml:15: pools.api.targets[2].url: \"ftp://x\" is not an http:// or https:// URL",
                "cfg.yaml:16: pools.api.targets[3].url: \"https://127.0.0.1:9443/path\" must be http(s)://host[:port] with no path",
            ])
    }

    /// A target URL names a host: `http://%00/` (accepted from the admin API before) and its kin are refused.
    @Test func backendURLsMustNameAHost() {
        let refused = [
            "http://%00/", "http://%00:80", "http://exa mple:80", "http://:8080", "http://a\u{0}b", "http://::1",
            "http://[zz]:80", "http://[]:80",
        ]
        let noHost = "must name a host: a DNS name, an IPv4 address or a bracketed IPv6 address"
        for url in refused {
            #expect(BackendURL.problem(with: url)?.hasSuffix(noHost) == true, "\(url)")
        }
        for url in ["http://127.0.0.1:9001", "https://api.example.com", "http://[::1]:8080/", "http://backend_1:80"] {
            #expect(BackendURL.problem(with: url) == nil, "\(url)")
        }
    }

    @Test func reverseListenerParses() throws {
        let yaml = """
            listeners:
              - name: web
                mode: reverse
                listen: "127.0.0.1:8080"
                add_forwarded: true
                routes:
                  - match: { host: "*.example.com", path_prefix: "/v1/", method: GET, headers: { X-Env: canary } }
                    pool: api
                    retry_non_idempotent: true
            pools:
              api:
                host_header: rewrite
                timeouts: { connect: 2s, response_header: 10s }
                retries: { attempts: 3, budget_percent: 10, backoff: 10ms, max_backoff: 500ms, replay_body_bytes: 1024 }
                targets:
                  - { url: "http://127.0.0.1:9001", weight: 5, max_connections: 10 }
            """
        let config = try ConfigLoader.parse(yaml: yaml, file: nil)
        let listener = config.listeners[0]
        #expect(listener.mode == .reverse)
        #expect(listener.addForwarded)
        #expect(
            listener.routes == [
                RouteSettings(
                    host: "*.example.com", pathPrefix: "/v1/", method: "GET",
                    headers: [HeaderMatch(name: "X-Env", value: "canary")], pool: "api", retryNonIdempotent: true)
            ])
        let pool = try #require(config.pool(named: "api"))
        #expect(pool.backend.hostHeader == .rewrite)
        #expect(pool.backend.connectTimeout == .seconds(2))
        #expect(pool.backend.responseTimeout == .seconds(10))
        #expect(pool.backend.retries == RetrySettings(attempts: 3, budgetPercent: 10, backoff: .milliseconds(10), maxBackoff: .milliseconds(500), replayBodyBytes: 1024))
        #expect(pool.targets == [TargetSettings(url: "http://127.0.0.1:9001", weight: 5, maxConnections: 10)])
        #expect(try ConfigLoader.parse(yaml: config.rendered(redactingSecrets: false), file: nil) == config)
    }

    @Test func validateChecksConfigsBuiltInCode() {
        var config = SwitchyardConfig.embeddedDefault
        config.pools[0].targets = [TargetSettings(sourceIP: "not-an-ip")]
        #expect(
            throws: ConfigErrors(issues: [
                ConfigIssue(path: "pools.default.targets[0].source_ip", message: "\"not-an-ip\" is not an IP address")
            ])
        ) {
            try config.validate()
        }
    }
}
