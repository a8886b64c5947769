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
                "cfg.yaml:17: pools.outbound.targets[1].weight: must be at least 0, got -1",
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
        let found = issues(in: minimalYAML + "    policy: round-robin\n")
        #expect(found.map(\.path) == ["pools.outbound.policy"])
        #expect(found.first?.message == "unknown policy \"round-robin\"; known policies: lru-per-host")
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

    @Test func onlyForwardModeExistsForNow() {
        let found = issues(in: minimalYAML.replacing("mode: forward", with: "mode: reverse"))
        #expect(found.map(\.path) == ["listeners[0].mode"])
        #expect(
            found.first?.message
                == "\"reverse\" is not a listener mode; expected forward (reverse and socks5 come later)")
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
