import Testing

@testable import SwitchyardConfig

@Suite struct PolicyOptionsTests {
    private static func pool(_ lines: String) -> String {
        minimalYAML + lines.split(separator: "\n").map { "    \($0)\n" }.joined()
    }

    @Test func everyOptionIsReadIntoTheModel() throws {
        let yaml = Self.pool(
            """
            policy: consistent-hash
            on_all_unhealthy: reject
            policy_options:
              hash_key: "header:X-User"
              load_factor: 1.5
              slow_start: 30s
              ewma_decay: 5s
              min_weight_factor: 0.25
              recovery: 1m
              auto_sustain: 10s
              auto_min_dwell: 2m
            """)
        let pool = try #require(try ConfigLoader.parse(yaml: yaml, file: nil).pool(named: "outbound"))
        #expect(pool.policy == "consistent-hash")
        #expect(pool.onAllUnhealthy == .reject)
        #expect(
            pool.policyOptions
                == PolicyOptions(
                    hashKey: .header("X-User"), loadFactor: 1.5, slowStart: .seconds(30), ewmaDecay: .seconds(5),
                    minWeightFactor: 0.25, recovery: .seconds(60), autoSustain: .seconds(10),
                    autoMinDwell: .seconds(120)))
    }

    @Test func negativeAutoDurationsAreErrors() {
        let found = issues(in: Self.pool("policy_options: { auto_sustain: -1s, auto_min_dwell: -2s }"))
        #expect(
            found.map(\.path).sorted() == [
                "pools.outbound.policy_options.auto_min_dwell", "pools.outbound.policy_options.auto_sustain",
            ], "\(found)")
    }

    @Test func omittedOptionsTakeTheirDefaults() throws {
        let pool = try #require(try ConfigLoader.parse(yaml: minimalYAML, file: nil).pool(named: "outbound"))
        #expect(pool.onAllUnhealthy == .leastFailed)
        let options = pool.policyOptions
        #expect(options.hashKey == .clientIP && options.loadFactor == 1.25 && options.slowStart == .zero)
        #expect(options.ewmaDecay == .seconds(10) && options.minWeightFactor == 0.1 && options.recovery == .seconds(30))
        #expect(options.autoSustain == .seconds(30) && options.autoMinDwell == .seconds(60))
    }

    @Test(arguments: [
        ("client_ip", HashKey.clientIP), ("destination_host", .destinationHost), ("path", .path),
        ("header:X-Tenant", .header("X-Tenant")), ("cookie:session_id", .cookie("session_id")),
    ])
    func hashKeysReadAndRenderBack(text: String, key: HashKey) {
        #expect(HashKey(configText: text) == key)
        #expect(key.description == text)
    }

    @Test func badHashKeysAreErrorsWithLines() {
        for text in ["client-ip", "header:", "cookie:a b", "query:x", "header"] {
            let found = issues(in: Self.pool("policy_options: { hash_key: \"\(text)\" }"))
            #expect(found.map(\.path) == ["pools.outbound.policy_options.hash_key"], "\(text)")
            #expect(found.first?.line == 10)
        }
        let found = issues(in: Self.pool("policy_options: { hash_key: client-ip }"))
        #expect(
            found.first?.message
                == "\"client-ip\" is not a hash key; expected client_ip, destination_host, path, header:NAME or "
                + "cookie:NAME; did you mean \"client_ip\"?")
    }

    @Test func numbersAndDurationsAreChecked() {
        let yaml = Self.pool(
            """
            policy_options:
              load_factor: 1
              slow_start: 0s
              ewma_decay: 0s
              min_weight_factor: 1.5
              recovery: 0ms
            """)
        #expect(
            issues(in: yaml).map(\.description) == [
                "cfg.yaml:11: pools.outbound.policy_options.load_factor: must be greater than 1, got 1.0",
                "cfg.yaml:13: pools.outbound.policy_options.ewma_decay: must be greater than 0, got 0s",
                "cfg.yaml:14: pools.outbound.policy_options.min_weight_factor: must be greater than 0 and at most 1, "
                    + "got 1.5",
                "cfg.yaml:15: pools.outbound.policy_options.recovery: must be greater than 0, got 0s",
            ])
        let wrongTypes = Self.pool("policy_options: { load_factor: lots, min_weight_factor: \"0.5\" }")
        #expect(
            issues(in: wrongTypes).map(\.message) == [
                "expected a number, got \"lots\"", "expected a number, got the quoted string \"0.5\"",
            ])
        #expect(issues(in: Self.pool("policy_options: { min_weight_factor: 1, load_factor: 1.01 }")).isEmpty)
    }

    @Test func unknownFallbackAndOptionNamesAreErrors() {
        let fallback = issues(in: Self.pool("on_all_unhealthy: least_failed"))
        #expect(
            fallback.map(\.description) == [
                "cfg.yaml:10: pools.outbound.on_all_unhealthy: \"least_failed\" is not a choice for on_all_unhealthy; "
                    + "expected one of least-failed, all, reject; did you mean \"least-failed\"?"
            ])
        let option = issues(in: Self.pool("policy_options: { load_factr: 2 }"))
        #expect(option.map(\.message) == ["unknown key \"load_factr\"; did you mean \"load_factor\"?"])
    }

    @Test func everyPolicyNameIsAccepted() {
        for name in PoolSettings.knownPolicies {
            #expect(issues(in: Self.pool("policy: \(name)")).isEmpty, "\(name)")
        }
    }

    @Test func nonDefaultOptionsRenderAndLoadBack() throws {
        var config = try ConfigLoader.parse(yaml: minimalYAML, file: nil)
        config.pools[0].policy = "adaptive-weighted"
        config.pools[0].onAllUnhealthy = .all
        config.pools[0].policyOptions = PolicyOptions(
            hashKey: .cookie("sid"), loadFactor: 2.5, slowStart: .milliseconds(1500), ewmaDecay: .seconds(3),
            minWeightFactor: 0.05, recovery: .seconds(90), autoSustain: .seconds(5), autoMinDwell: .seconds(7))
        let text = config.rendered(redactingSecrets: false)
        #expect(text.contains("    on_all_unhealthy: all\n"))
        #expect(text.contains("      hash_key: \"cookie:sid\"\n"))
        #expect(try ConfigLoader.parse(yaml: text, file: "rendered.yaml") == config)
    }
}
