import Testing

@testable import SwitchyardConfig

@Suite struct YAMLShapeTests {
    @Test func unknownKeySuggestsTheClosestValidKey() {
        let found = issues(in: minimalYAML.replacing("pool: outbound", with: "pool: outbound\n    max_conections: 5"))
        #expect(
            found.map(\.description) == [
                "cfg.yaml:6: listeners[0].max_conections: unknown key \"max_conections\"; did you mean \"max_connections\"?"
            ])
    }

    @Test func unknownKeyWithNothingCloseListsValidKeys() {
        let found = issues(in: "logging: {}\n" + minimalYAML)
        #expect(found.map(\.message) == ["unknown key \"logging\"; valid keys: log, admin, workers, max_open_files, pid_file, reload, transport, destinations, listeners, pools, triggers, dns"])
    }

    @Test func unknownKeysAreFoundAtEveryLevel() {
        let yaml = """
            log: { levle: info }
            admin: { listen: "127.0.0.1:9090", lisen: x }
            listeners:
              - name: egress
                mode: forward
                listen: "127.0.0.1:3128"
                pool: outbound
                auth: { users: [ { username: a, pasword: b } ] }
                timeouts: { conect: 5s }
            pools:
              outbound:
                polcy: lru-per-host
                policy_options: { history_sise: 3 }
                keepalive: { idle_timout: 5s }
                targets:
                  - { source: "10.0.0.1" }

            """
        #expect(
            issues(in: yaml).map(\.path) == [
                "log.levle", "admin.lisen", "listeners[0].auth.users[0].pasword",
                "listeners[0].auth.users[0].password", "listeners[0].timeouts.conect", "pools.outbound.polcy",
                "pools.outbound.policy_options.history_sise", "pools.outbound.keepalive.idle_timout",
                "pools.outbound.targets[0].source",
            ])
    }

    @Test func wrongTypesAreClearErrors() {
        let yaml = """
            listeners:
              - name: egress
                mode: forward
                listen: "127.0.0.1:3128"
                pool: outbound
                max_connections: lots
                max_header_bytes: "4096"
                add_via: maybe
                timeouts: [30s]
            pools:
              outbound:
                targets:
                  source_ip: "10.0.0.1"

            """
        #expect(
            issues(in: yaml).map(\.description) == [
                "cfg.yaml:6: listeners[0].max_connections: expected a whole number, got \"lots\"",
                "cfg.yaml:7: listeners[0].max_header_bytes: expected a whole number, got the quoted string \"4096\"",
                "cfg.yaml:8: listeners[0].add_via: expected true or false, got \"maybe\"",
                "cfg.yaml:9: listeners[0].timeouts: expected a mapping, got a list",
                "cfg.yaml:12: pools.outbound.targets: expected a list, got a mapping",
            ])
    }

    @Test func topLevelMustBeAMapping() {
        #expect(issues(in: "- a\n- b\n").map(\.message) == ["expected a mapping, got a list"])
        #expect(issues(in: "listeners: {}\n").map(\.message) == ["expected a list, got a mapping"])
    }

    @Test func missingRequiredListenerKeysAreNamed() {
        let found = issues(in: "listeners:\n  - mode: forward\npools: { p: { targets: [ {} ] } }\n")
        #expect(
            found.map(\.description) == [
                "cfg.yaml:2: listeners[0].name: \"name\" is required",
                "cfg.yaml:2: listeners[0].listen: \"listen\" is required",
                "cfg.yaml:2: listeners[0].pool: \"pool\" is required",
            ])
    }

    @Test func syntaxErrorGivesTheLine() {
        let found = issues(in: "listeners:\n  - name: a\n    mode: [forward\npools: {}\n")
        #expect(found.count == 1)
        #expect(found.first?.file == "cfg.yaml")
        #expect(found.first?.line == 4)
        #expect(found.first?.message.hasPrefix("invalid YAML: ") == true)
    }

    @Test func duplicateKeyIsASyntaxError() {
        let found = issues(in: minimalYAML.replacing("mode: forward", with: "mode: forward\n    mode: forward"))
        #expect(found.map(\.line) == [3])
        #expect(found.first?.message.contains("duplicate key \"mode\"") == true)
    }

    @Test func issueDescriptionLeavesOutMissingParts() {
        #expect(ConfigIssue(path: "a.b", line: 3, file: "f.yaml", message: "bad").description == "f.yaml:3: a.b: bad")
        #expect(ConfigIssue(path: "a.b", message: "bad").description == "a.b: bad")
        #expect(ConfigIssue(path: "", file: "f.yaml", message: "bad").description == "f.yaml: bad")
        #expect(ConfigIssue(path: "a", line: 2, message: "bad").description == "line 2: a: bad")
        let errors = ConfigErrors(issues: [ConfigIssue(path: "a", message: "x"), ConfigIssue(path: "b", message: "y")])
        #expect(errors.description == "a: x\nb: y")
    }

    @Test func nullValuesMeanTheDefault() throws {
        let config = try ConfigLoader.parse(yaml: "log:\nadmin: ~\n" + minimalYAML, file: nil)
        #expect(config.log == .default && config.admin == .default)
    }
}
