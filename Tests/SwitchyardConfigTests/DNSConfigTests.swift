import Testing

@testable import SwitchyardConfig

/// The root `dns` block: parsing, defaults, rendering, and validation with paths and lines.
@Suite struct DNSConfigTests {
    static let yaml = minimalYAML + """
        dns:
          servers: ["127.0.0.1:5353", "[::1]:53"]
          cache_size: 500
          min_ttl: 1s
          max_ttl: 10m
          negative_ttl: 2s
          timeout: 500ms

        """

    @Test func parsesAndRendersBackTheSame() throws {
        let config = try ConfigLoader.parse(yaml: Self.yaml, file: nil)
        #expect(
            config.dns
                == DNSSettings(
                    servers: [ListenAddress(host: "127.0.0.1", port: 5353), ListenAddress(host: "::1", port: 53)],
                    cacheSize: 500, minTTL: .seconds(1), maxTTL: .seconds(600), negativeTTL: .seconds(2),
                    timeout: .milliseconds(500)))
        #expect(try ConfigLoader.parse(yaml: config.rendered(redactingSecrets: false), file: nil) == config)
        let defaults = try ConfigLoader.parse(yaml: minimalYAML, file: nil)
        #expect(defaults.dns == .default)
        #expect(defaults.dns.servers.isEmpty, "the system resolver unless servers are given")
        #expect(try ConfigLoader.parse(yaml: defaults.rendered(), file: nil) == defaults)
    }

    @Test func validationNamesFieldAndLine() {
        let yaml = minimalYAML + """
            dns:
              servers: ["dns.example:53", "127.0.0.1"]
              cache_size: 0
              min_ttl: 1m
              max_ttl: 30s
              negative_ttl: -1s
              timeout: 0s
              retries: 3

            """
        #expect(
            issues(in: yaml).map(\.description) == [
                "cfg.yaml:17: dns.retries: unknown key \"retries\"; valid keys: servers, cache_size, min_ttl, max_ttl, negative_ttl, timeout",
                "cfg.yaml:11: dns.servers[1]: \"127.0.0.1\" has no port; write it as HOST:PORT, e.g. \"127.0.0.1:3128\" or \"[::1]:3128\"",
                "cfg.yaml:15: dns.negative_ttl: \"-1s\" is not a duration; write e.g. \"500ms\", \"1.5s\", \"30s\", \"5m\", \"1h\" or \"1m30s\"",
                "cfg.yaml:11: dns.servers[0]: a DNS server is an IP address and a port, e.g. \"127.0.0.1:53\"; got \"dns.example:53\"",
                "cfg.yaml:12: dns.cache_size: must be from 1 to 10000000, got 0",
                "cfg.yaml:14: dns.max_ttl: must be at least min_ttl (1m), got 30s",
                "cfg.yaml:16: dns.timeout: must be greater than 0, got 0s",
            ])
    }
}
