import Testing

@testable import SwitchyardConfig

/// A pool's `sticky` block: parsing, defaults, rendering, and validation with paths and lines.
@Suite struct StickyConfigTests {
    static let yaml = """
        listeners:
          - name: egress
            mode: forward
            listen: "127.0.0.1:3128"
            pool: fleet
            auth: { users: [ { username: alice, password: "s3cret" } ] }
        pools:
          fleet:
            sticky: { key: username_session, ttl: 5m, max_entries: 1000, on_target_down: fail }
            targets:
              - source_ip: "127.0.0.2"
              - source_ip: "127.0.0.3"

        """

    @Test func parsesAndRendersBackTheSame() throws {
        let config = try ConfigLoader.parse(yaml: Self.yaml, file: nil)
        #expect(
            config.pools[0].sticky
                == StickySettings(key: .usernameSession, ttl: .seconds(300), maxEntries: 1000, onTargetDown: .fail))
        #expect(try ConfigLoader.parse(yaml: config.rendered(redactingSecrets: false), file: nil) == config)
        let defaults = try ConfigLoader.parse(
            yaml: Self.yaml.replacing(
                "{ key: username_session, ttl: 5m, max_entries: 1000, on_target_down: fail }",
                with: "{ key: \"header:X-Session-Id\" }"),
            file: nil)
        #expect(defaults.pools[0].sticky == StickySettings(key: .header("X-Session-Id")))
        #expect(StickySettings.Key(configText: "client_ip") == .clientIP)
        #expect(StickySettings.Key(configText: "header:") == nil)
        #expect(StickySettings.Key(configText: "cookie:a") == nil)
    }

    @Test func validationNamesFieldAndLine() {
        let yaml = Self.yaml.replacing(
            "{ key: username_session, ttl: 5m, max_entries: 1000, on_target_down: fail }",
            with:
                "\n      key: usernam_session\n      ttl: 0s\n      max_entries: 0\n      on_target_down: retry\n      extra: 1"
        )
        #expect(
            issues(in: yaml).map(\.description) == [
                "cfg.yaml:14: pools.fleet.sticky.extra: unknown key \"extra\"; valid keys: key, ttl, max_entries, on_target_down",
                "cfg.yaml:10: pools.fleet.sticky.key: \"usernam_session\" is not a sticky key; expected username_session, client_ip or header:NAME; did you mean \"username_session\"?",
                "cfg.yaml:13: pools.fleet.sticky.on_target_down: \"retry\" is not a choice for on_target_down; expected one of repick, fail",
                "cfg.yaml:11: pools.fleet.sticky.ttl: must be greater than 0, got 0s",
                "cfg.yaml:12: pools.fleet.sticky.max_entries: must be from 1 to 10000000, got 0",
            ])
    }

    @Test func theKeyMustBeOneTheListenersCanGive() {
        let noAuth = Self.yaml.replacing(
            "    auth: { users: [ { username: alice, password: \"s3cret\" } ] }\n", with: "")
        #expect(
            issues(in: noAuth).map(\.description) == [
                "cfg.yaml:8: pools.fleet.sticky.key: username_session needs proxy logins; listener \"egress\" has no auth.users"
            ])
        let socksHeader = Self.yaml.replacing("mode: forward", with: "mode: socks5").replacing(
            "key: username_session", with: "key: \"header:X-Session-Id\"")
        #expect(issues(in: socksHeader).map(\.path) == ["pools.fleet.sticky.key"])
        let reverse = """
            listeners:
              - { name: web, mode: reverse, listen: "127.0.0.1:8080", pool: web }
            pools:
              web:
                sticky: { key: username_session }
                targets: [ { url: "http://127.0.0.1:8081" } ]

            """
        #expect(issues(in: reverse).map(\.path) == ["pools.web.sticky.key"])
        #expect(issues(in: reverse.replacing("username_session", with: "client_ip")).isEmpty)
    }
}
