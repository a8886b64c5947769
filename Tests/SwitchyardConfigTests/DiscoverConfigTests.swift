import Testing

@testable import SwitchyardConfig

/// A pool's `discover` block: parsing, rendering, validation, and how what a lookup found becomes the targets.
@Suite struct DiscoverConfigTests {
    static let yaml = """
        dns: { servers: ["127.0.0.1:5353"] }
        listeners:
          - { name: web, mode: reverse, listen: "127.0.0.1:8080", pool: web }
        pools:
          web:
            discover: { dns: web.service.test, type: srv, interval: 5s, scheme: https }

        """

    @Test func parsesAndRendersBackTheSame() throws {
        let config = try ConfigLoader.parse(yaml: Self.yaml, file: nil)
        #expect(
            config.pools[0].discover
                == DiscoverSettings(name: "web.service.test", type: .srv, interval: .seconds(5), scheme: .https))
        #expect(config.pools[0].targets.isEmpty, "targets may be left to discovery")
        #expect(try ConfigLoader.parse(yaml: config.rendered(redactingSecrets: false), file: nil) == config)
        let addresses = try ConfigLoader.parse(
            yaml: Self.yaml.replacing("type: srv, interval: 5s, scheme: https", with: "port: 8081"), file: nil)
        #expect(addresses.pools[0].discover == DiscoverSettings(name: "web.service.test", type: .a, port: 8081))
    }

    @Test func validationNamesFieldAndLine() {
        let yaml = Self.yaml.replacing(
            "{ dns: web.service.test, type: srv, interval: 5s, scheme: https }",
            with: "{ dns: \"a b\", type: MX, interval: 500ms, port: 80, scheme: ftp }")
        #expect(
            issues(in: yaml).map(\.description) == [
                "cfg.yaml:6: pools.web.discover.type: \"MX\" is not a record type; expected one of A, AAAA, SRV; did you mean \"A\"?",
                "cfg.yaml:6: pools.web.discover.scheme: \"ftp\" is not a scheme; expected one of http, https; did you mean \"http\"?",
                "cfg.yaml:6: pools.web.discover.dns: must be a host name, got \"a b\"",
                "cfg.yaml:6: pools.web.discover.interval: must be at least 1s, got 500ms",
            ])
        let srvWithPort = Self.yaml.replacing("interval: 5s", with: "port: 80")
        #expect(issues(in: srvWithPort).map(\.path) == ["pools.web.discover.port"])
        let noPort = Self.yaml.replacing("type: srv, ", with: "")
        #expect(issues(in: noPort).map(\.path) == ["pools.web.discover.port"])
        let srvWithoutServers = Self.yaml.replacing("dns: { servers: [\"127.0.0.1:5353\"] }\n", with: "")
        #expect(issues(in: srvWithoutServers).map(\.path) == ["pools.web.discover.type"])
        let egress = Self.yaml.replacing("mode: reverse", with: "mode: forward")
        #expect(issues(in: egress).map(\.path).contains("pools.web.discover"))
        let nothing = Self.yaml.replacing(
            "    discover: { dns: web.service.test, type: srv, interval: 5s, scheme: https }\n", with: "    {}\n")
        #expect(issues(in: nothing).map(\.path).contains("pools.web.targets"), "a pool without either is refused")
    }

    @Test func foundBackendsBecomeTheTargetsKeepingThoseThatStay() {
        let settings = DiscoverSettings(name: "web.test", type: .aaaa, port: 8080)
        let kept = TargetSettings(url: "http://[::1]:8080", weight: 7)
        let gone = TargetSettings(url: "http://[::2]:8080")
        let found = settings.targets(
            after: [.init(host: "::1", port: 8080), .init(host: "::3", port: 8080, weight: 0),
                .init(host: "::3", port: 8080), .init(host: "::4", port: 8080, weight: 99_999)],
            current: [gone, kept])
        #expect(
            found == [
                kept, TargetSettings(url: "http://[::3]:8080", weight: 1),
                TargetSettings(url: "http://[::4]:8080", weight: TargetSettings.maxWeight),
            ], "a target that stays keeps its weight; new ones get the record's, within bounds; duplicates once")
        #expect(settings.targets(after: [], current: [gone, kept]) == [gone, kept], "nothing found keeps the targets")
    }
}
