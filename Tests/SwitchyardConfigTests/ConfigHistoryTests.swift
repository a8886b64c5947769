import SwitchyardConfig
import Testing

@Suite struct ConfigHistoryTests {
    /// `minimalYAML` with its one target at `weight` and `config_history: keep`.
    private func config(weight: Int, keep: Int = 10) throws -> SwitchyardConfig {
        var config = try ConfigLoader.parse(yaml: minimalYAML, file: nil)
        config.pools[0].targets[0].weight = weight
        config.admin.configHistory = keep
        return config
    }

    @Test func versionsGrowAndOnlyTheLastKeptRemain() throws {
        var history = ConfigHistory(initial: try config(weight: 1, keep: 3), appliedAt: 100)
        #expect(history.current.version == 1 && history.current.cause == "startup")
        for weight in 2...5 {
            history.record(try config(weight: weight, keep: 3), appliedAt: 100 + weight, cause: "api")
        }
        #expect(history.entries.map(\.version) == [3, 4, 5])
        #expect(history.entries.map { $0.config.pools[0].targets[0].weight } == [3, 4, 5])
        #expect(history.current.appliedAt == 105)
        // The limit of the config just applied rules: raising it keeps more from then on, lowering it drops at once.
        history.record(try config(weight: 6, keep: 1), appliedAt: 106, cause: "api")
        #expect(history.entries.map(\.version) == [6])
    }

    @Test func rollbackGoesToThePreviousOrANamedVersion() throws {
        var history = ConfigHistory(initial: try config(weight: 1), appliedAt: 0)
        #expect(throws: ConfigHistory.Missing.noPreviousVersion) { try history.rollbackTarget(nil) }
        history.record(try config(weight: 2), appliedAt: 1, cause: "SIGHUP")
        history.record(try config(weight: 3), appliedAt: 2, cause: "api")
        #expect(try history.rollbackTarget(nil).version == 2)
        #expect(try history.rollbackTarget(1).config.pools[0].targets[0].weight == 1)
        #expect(throws: ConfigHistory.Missing.unknownVersion(7)) { try history.rollbackTarget(7) }
    }

    @Test func theLimitIsReadRenderedAndValidated() throws {
        let yaml = "admin: { config_history: 25 }\n" + minimalYAML
        let parsed = try ConfigLoader.parse(yaml: yaml, file: nil)
        #expect(parsed.admin.configHistory == 25)
        #expect(try ConfigLoader.parse(yaml: parsed.rendered(redactingSecrets: false), file: nil) == parsed)
        #expect(try ConfigLoader.parse(yaml: minimalYAML, file: nil).admin.configHistory == 10)
        #expect(
            issues(in: "admin: { config_history: 0 }\n" + minimalYAML).map(\.description) == [
                "cfg.yaml:1: admin.config_history: must be 1-1000, got 0"
            ])
    }
}
