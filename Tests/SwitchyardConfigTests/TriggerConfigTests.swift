import SwitchyardConfig
import Testing

@Suite struct TriggerConfigTests {
    static let yaml = """
        listeners:
          - { name: web, mode: reverse, listen: "127.0.0.1:8080", pool: web }
        pools:
          web:
            targets: [ { url: "http://127.0.0.1:9101" }, { url: "http://127.0.0.1:9102" } ]
        triggers:
          - name: errors
            when: { metric: error_rate, pool: web, window: 30s, above: 0.05, for: 10s, clear: 0.01 }
            cooldown: 5m
            webhook: { url: "http://127.0.0.1:9000/hooks/switchyard", timeout: 2s, retries: 2, backoff: 500ms, secret: "hook-secret" }
            actions:
              - { action: set_weight, pool: web, target: "http://127.0.0.1:9102", weight: 0 }
              - { action: set_policy, pool: web, policy: least-connections }
          - name: mornings
            schedule: { cron: "0 9 * * 1-5", zone: "Europe/Paris" }
            actions:
              - { action: scale, pool: web, by: 1, min_targets: 1, max_targets: 2 }
              - { action: enable, pool: web, target: "http://127.0.0.1:9102" }

        """

    @Test func parsesRendersBackAndRedactsTheSecret() throws {
        let config = try ConfigLoader.parse(yaml: Self.yaml, file: nil)
        #expect(config.triggers.count == 2)
        let errors = config.triggers[0]
        #expect(
            errors.when
                == TriggerSettings.Condition(
                    metric: .errorRate, scope: .pool("web"), window: .seconds(30), above: true, threshold: 0.05,
                    duration: .seconds(10), clear: 0.01))
        #expect(errors.webhook?.endpoint.map { "\($0.host) \($0.port) \($0.path)" } == "127.0.0.1 9000 /hooks/switchyard")
        #expect(errors.actions[0] == .setWeight(pool: "web", target: "http://127.0.0.1:9102", weight: 0))
        #expect(config.triggers[1].schedule?.zone == "Europe/Paris")
        #expect(try ConfigLoader.parse(yaml: config.rendered(redactingSecrets: false), file: nil) == config)
        let redacted = config.rendered(redactingSecrets: true)
        #expect(!redacted.contains("hook-secret"))
        #expect(try ConfigLoader.parse(yaml: redacted, replacing: config) == config, "the placeholder keeps the secret")
    }

    @Test func everyProblemNamesItsFieldAndLine() {
        let broken = Self.yaml
            .replacing("metric: error_rate, pool: web", with: "metric: error_ratio, pool: api")
            .replacing("clear: 0.01", with: "clear: 0.5")
            .replacing("http://127.0.0.1:9000/hooks/switchyard", with: "https://127.0.0.1:9000/")
            .replacing("target: \"http://127.0.0.1:9102\", weight: 0", with: "target: \"http://127.0.0.1:9109\", weight: 0")
            .replacing("0 9 * * 1-5", with: "0 25 * * 1-5")
            .replacing("Europe/Paris", with: "Mars/Olympus")
            .replacing("action: scale", with: "action: grow")
        #expect(
            issues(in: broken).map(\.description) == [
                "cfg.yaml:8: triggers[0].when.metric: \"error_ratio\" is not a metric; expected one of request_rate, error_rate, p99_latency, active_connections, healthy_targets; did you mean \"error_rate\"?",
                "cfg.yaml:15: triggers[1].schedule.cron: hour: \"25\" is not within 0-23",
                "cfg.yaml:17: triggers[1].actions[0].action: unknown action \"grow\"; known actions: set_weight, drain, enable, set_policy, scale",
                "cfg.yaml:8: triggers[0].when.pool: no pool named \"api\"; defined pools: web",
                "cfg.yaml:8: triggers[0].when.clear: must be on the other side of the threshold 0.05 (at most it)",
                "cfg.yaml:10: triggers[0].webhook.url: \"https://127.0.0.1:9000/\" must be http://host[:port][/path]",
                "cfg.yaml:12: triggers[0].actions[0].target: pool \"web\" has no target \"http://127.0.0.1:9109\"",
                "cfg.yaml:15: triggers[1].schedule.zone: unknown time zone \"Mars/Olympus\"",
            ])
    }

    @Test func cronFieldsMatchLikeCron() throws {
        let weekdays = try CronExpression(parsing: "*/15 9-17 * * 1-5")
        #expect(weekdays.matches(minute: 45, hour: 17, day: 4, month: 12, weekday: 5))
        #expect(!weekdays.matches(minute: 50, hour: 9, day: 4, month: 12, weekday: 5))
        #expect(!weekdays.matches(minute: 0, hour: 9, day: 6, month: 12, weekday: 0))
        let sundays = try CronExpression(parsing: "0 0 1 * 7")
        #expect(sundays.matches(minute: 0, hour: 0, day: 6, month: 12, weekday: 0), "either day field matches")
        #expect(sundays.matches(minute: 0, hour: 0, day: 1, month: 1, weekday: 3))
        #expect(throws: CronError.self) { try CronExpression(parsing: "* * * *") }
        #expect(throws: CronError.self) { try CronExpression(parsing: "*/0 * * * *") }
    }
}
