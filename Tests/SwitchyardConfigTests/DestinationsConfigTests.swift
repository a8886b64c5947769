import Testing

@testable import SwitchyardConfig

@Suite struct DestinationsConfigTests {
    /// `minimalYAML` with `lines` added to its listener (from line 6 on).
    private static func listener(_ lines: String) -> String {
        minimalYAML.replacingOccurrences(
            of: "    pool: outbound\n",
            with: "    pool: outbound\n" + lines.split(separator: "\n").map { "    \($0)\n" }.joined())
    }

    private static let fullYAML = listener(
        """
        auth: { users: [ { username: alice, password: "pw" } ] }
        destinations:
          allow_private: true
          rules:
            - { name: no-internal, action: deny, hosts: ["*.internal", "db.example.com"] }
            - action: allow
              cidrs: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"]
              ports: [443, "8000-9000"]
              methods: [CONNECT, plain]
              users: [alice]
        """) + "destinations: { rules: [ { action: deny, ports: [25] } ] }\n"

    @Test func everyKeyIsReadIntoTheModel() throws {
        let config = try ConfigLoader.parse(yaml: Self.fullYAML, file: nil)
        #expect(
            config.listeners[0].destinations
                == DestinationSettings(
                    allowPrivate: true,
                    rules: [
                        DestinationRule(name: "no-internal", action: .deny, hosts: ["*.internal", "db.example.com"]),
                        DestinationRule(
                            action: .allow, cidrs: ["10.0.0.0/8", "2001:db8::/32", "192.0.2.7"],
                            ports: [PortRange(443), PortRange(8000, 9000)], methods: [.connect, .plain],
                            users: ["alice"]),
                    ]))
        #expect(config.destinations == DestinationSettings(rules: [DestinationRule(action: .deny, ports: [PortRange(25)])]))
    }

    @Test func aListenerWithoutItsOwnUsesTheRootDefault() throws {
        let config = try ConfigLoader.parse(yaml: minimalYAML + "destinations: { allow_private: true }\n", file: nil)
        #expect(config.listeners[0].destinations == nil)
        #expect(config.destinations(of: config.listeners[0]).allowPrivate)
        #expect(SwitchyardConfig.embeddedDefault.destinations == .default)
        #expect(!DestinationSettings.default.allowPrivate)
    }

    @Test func rendersAndLoadsBack() throws {
        let config = try ConfigLoader.parse(yaml: Self.fullYAML, file: nil)
        let text = config.rendered(redactingSecrets: false)
        #expect(try ConfigLoader.parse(yaml: text, file: "rendered.yaml") == config)
        #expect(text.contains("destinations:\n  allow_private: false\n  rules:\n    - action: deny\n      ports: [\"25\"]\n"))
        #expect(text.contains("      methods: [CONNECT, plain]\n"))
    }

    @Test func badValuesNameTheFieldAndLine() {
        let found = issues(
            in: Self.listener(
                """
                destinations:
                  allow_private: yes-please
                  rules:
                    - { action: permit, ports: [0, "9000-8000", "http"], methods: [GET] }
                    - { action: deny, cidrs: ["10.0.0.0/33", "not-an-ip"], hosts: ["*"] }
                    - { action: deny, hosts: ["a b"], users: [bob], name: private-address }
                """))
        let described = found.map(\.description)
        #expect(described.contains { $0.hasPrefix("cfg.yaml:7: listeners[0].destinations.allow_private: ") })
        #expect(described.contains { $0.hasPrefix("cfg.yaml:9: listeners[0].destinations.rules[0].action: \"permit\" is not a rule action") })
        #expect(described.contains("cfg.yaml:9: listeners[0].destinations.rules[0].ports[0]: \"0\" is not a port or port range; write e.g. 443 or \"8000-9000\" (1-65535, low-high)"))
        #expect(described.contains { $0.hasPrefix("cfg.yaml:9: listeners[0].destinations.rules[0].ports[1]: \"9000-8000\" is not a port") })
        #expect(described.contains { $0.hasPrefix("cfg.yaml:9: listeners[0].destinations.rules[0].ports[2]: \"http\" is not a port") })
        #expect(described.contains { $0.hasPrefix("cfg.yaml:9: listeners[0].destinations.rules[0].methods[0]: \"GET\" is not a method") })
        #expect(described.contains("cfg.yaml:10: listeners[0].destinations.rules[1]: a rule matches by hosts or by cidrs, not both; split it into two rules"))
        #expect(described.contains { $0.hasPrefix("cfg.yaml:10: listeners[0].destinations.rules[1].cidrs[0]: \"10.0.0.0/33\" is not an address block") })
        #expect(described.contains { $0.hasPrefix("cfg.yaml:10: listeners[0].destinations.rules[1].cidrs[1]: \"not-an-ip\" is not an address block") })
        #expect(described.contains { $0.hasPrefix("cfg.yaml:10: listeners[0].destinations.rules[1].hosts[0]: \"*\" is not a host name") })
        #expect(described.contains { $0.hasPrefix("cfg.yaml:11: listeners[0].destinations.rules[2].hosts[0]: \"a b\" is not a host name") })
        #expect(described.contains("cfg.yaml:11: listeners[0].destinations.rules[2].users[0]: no proxy user named \"bob\"; the listener has no auth users"))
        #expect(described.contains("cfg.yaml:11: listeners[0].destinations.rules[2].name: \"private-address\" is the name of a built-in rule"))
        #expect(found.count == 13, "\(described.joined(separator: "\n"))")
    }

    @Test func reverseListenersHaveNoDestinations() {
        let yaml = """
            listeners:
              - { name: web, mode: reverse, listen: "127.0.0.1:8080", pool: web, destinations: { allow_private: true } }
            pools:
              web: { targets: [ { url: "http://127.0.0.1:9000" } ] }
            """
        #expect(issues(in: yaml).map(\.description) == [
            "cfg.yaml:2: listeners[0].destinations: destinations belong to forward and socks5 listeners"
        ])
    }
}
