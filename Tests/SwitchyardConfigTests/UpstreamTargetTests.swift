import Testing

@testable import SwitchyardConfig

/// Upstream proxies as egress targets: parsing, validation with paths and lines, rendering with the password
/// redacted, and the password restored when a redacted config comes back.
@Suite struct UpstreamTargetTests {
    static let yaml = """
        listeners:
          - name: egress
            mode: forward
            listen: "127.0.0.1:3128"
            pool: fleet
        pools:
          fleet:
            policy: weighted-round-robin
            targets:
              - upstream: "http://user%40corp:p%40ss@127.0.0.1:3025"
                weight: 3
                max_connections: 200
                connect_timeout: 5s
              - upstream: "socks5://u:p@127.0.0.1:1080"
                source_ip: "127.0.0.2"
                enabled: false
              - source_ip: "127.0.0.3"

        """

    @Test func urlsDecodeTheirCredentials() throws {
        let http = try UpstreamProxyURL(parsing: "http://user%40corp:p%40ss%3A@proxy.example.com:8080/")
        #expect(http.kind == .http)
        #expect(http.host == "proxy.example.com")
        #expect(http.port == 8080)
        #expect(http.username == "user@corp")
        #expect(http.password == "p@ss:")
        #expect(http.description == "http://user%40corp@proxy.example.com:8080")
        let socks = try UpstreamProxyURL(parsing: "SOCKS5://[::1]:1080")
        #expect(socks.kind == .socks5 && socks.host == "::1" && socks.port == 1080 && socks.username == nil)
        #expect(socks.authority == "[::1]:1080")
        #expect(try UpstreamProxyURL(parsing: "socks5://only@10.0.0.7:1080").password == nil)
    }

    @Test func badURLsSayWhatIsWrongWithoutThePassword() {
        let problems = [
            "https://127.0.0.1:443", "ftp://x:1", "127.0.0.1:3128", "http://127.0.0.1", "http://u:secret@host:0",
            "http://u:secret@host:80/path", "http://:secret@host:80", "http://u:%zz@host:80", "http://a:b:c@h:1",
        ].map { UpstreamProxyURL.problem(with: $0) ?? "ok" }
        #expect(
            problems == [
                "unsupported scheme \"https\": expected http:// or socks5:// (TLS to an upstream proxy is not supported yet)",
                "unsupported scheme \"ftp\": expected http:// or socks5://",
                "\"127.0.0.1:3128\" is not an http:// or socks5:// URL",
                "\"http://127.0.0.1\" must name a port, e.g. 127.0.0.1:3128",
                "\"http://u:<redacted>@host:0\" has an invalid port",
                "\"http://u:<redacted>@host:80/path\" must be scheme://[user:password@]host:port with no path",
                "\"http://:<redacted>@host:80\" names a password but no user",
                "the credentials of \"http://u:<redacted>@host:80\" have an invalid %-escape",
                "ok",
            ])
        #expect(UpstreamProxyURL.problem(with: "socks5://\(String(repeating: "u", count: 256)):p@h:1") != nil)
        #expect(UpstreamProxyURL.problem(with: "http://a%3Ab:c@h:1") != nil, "a Basic username has no colon")
    }

    @Test func targetsLoadWithIdsThatHideThePassword() throws {
        let config = try ConfigLoader.parse(yaml: Self.yaml, file: nil)
        let targets = config.pools[0].targets
        #expect(targets[0].upstream == "http://user%40corp:p%40ss@127.0.0.1:3025")
        #expect(targets[0].connectTimeout == .seconds(5))
        #expect(targets[0].maxConnections == 200)
        #expect(targets.map(\.id) == [
            "http://user%40corp@127.0.0.1:3025", "socks5://u@127.0.0.1:1080 from 127.0.0.2", "127.0.0.3",
        ])
        #expect(targets.map(\.enabled) == [true, false, true])
        #expect(targets.map(\.effectiveWeight) == [3, 0, 1])
    }

    @Test func renderingRedactsTheUpstreamPasswordAndAPutBackRestoresIt() throws {
        let config = try ConfigLoader.parse(yaml: Self.yaml, file: nil)
        let redacted = config.rendered()
        #expect(!redacted.contains("p%40ss") && !redacted.contains(":p@"))
        #expect(redacted.contains("upstream: \"http://user%40corp:<redacted>@127.0.0.1:3025\""))
        #expect(redacted.contains("connect_timeout: 5s") && redacted.contains("enabled: false"))
        #expect(try ConfigLoader.parse(yaml: config.rendered(redactingSecrets: false), file: nil) == config)
        #expect(try ConfigLoader.parse(yaml: redacted, replacing: config) == config)
        var changed = config
        changed.pools[0].targets[1].upstream = "socks5://u:p@127.0.0.1:1081"
        #expect(throws: ConfigErrors.self) { try ConfigLoader.parse(yaml: redacted, replacing: changed) }
    }

    @Test func validationNamesFieldAndLine() {
        let yaml = Self.yaml
            .replacing("socks5://u:p@127.0.0.1:1080", with: "socks4://u:p@127.0.0.1:1080")
            .replacing("connect_timeout: 5s", with: "connect_timeout: 0s")
            .replacing("      - source_ip: \"127.0.0.3\"", with: "      - upstream: \"http://x:y@127.0.0.1:3025\"\n        url: \"http://127.0.0.1:80\"")
        #expect(
            issues(in: yaml).map(\.description) == [
                "cfg.yaml:13: pools.fleet.targets[0].connect_timeout: must be greater than 0, got 0s",
                "cfg.yaml:14: pools.fleet.targets[1].upstream: unsupported scheme \"socks4\": expected http:// or socks5://",
                "cfg.yaml:17: pools.fleet.targets[2]: a target has either url (backend) or upstream (egress proxy), not both",
                "cfg.yaml:18: pools.fleet.targets[2].url: targets of a pool used by a forward or socks5 listener are egress routes; url is not allowed",
            ])
    }

    @Test func duplicateUpstreamsAreReportedWithoutThePassword() {
        let yaml = Self.yaml.replacing(
            "      - source_ip: \"127.0.0.3\"", with: "      - upstream: \"http://user%40corp:other@127.0.0.1:3025\"")
        let found = issues(in: yaml)
        #expect(found.map(\.message) == ["duplicate upstream \"http://user%40corp@127.0.0.1:3025\" (same as targets[0])"])
    }
}
