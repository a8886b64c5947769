import Testing

@testable import SwitchyardConfig

@Suite struct FlatOptionsTests {
    @Test func readsEveryEnvironmentVariable() {
        let environment = [
            "SWITCHYARD_IPS": "1", "SWITCHYARD_PORT": "2", "SWITCHYARD_METRICS_PORT": "3", "SWITCHYARD_AUTH": "4",
            "SWITCHYARD_TIMEOUT": "5", "SWITCHYARD_IDLE_TIMEOUT": "6", "SWITCHYARD_MAX_CONNS_PER_IP": "7",
            "SWITCHYARD_MAX_CONNS_TOTAL": "8", "SWITCHYARD_HISTORY_WINDOW": "9", "SWITCHYARD_HISTORY_SIZE": "10",
            "SWITCHYARD_HISTORY_MAX_TOTAL_ENTRIES": "11", "SWITCHYARD_LOG_LEVEL": "12", "SWITCHYARD_LOG_FORMAT": "13",
            "UNRELATED": "x", "SWITCHYARD_PORTS": "x",
        ]
        let expected = FlatOptions(
            ips: "1", port: "2", metricsPort: "3", auth: "4", timeout: "5", idleTimeout: "6", maxConnsPerIP: "7",
            maxConnsTotal: "8", historyWindow: "9", historySize: "10", historyMaxTotalEntries: "11", logLevel: "12",
            logFormat: "13")
        #expect(FlatOptions.fromEnvironment(environment) == expected)
        #expect(FlatOptions.fromEnvironment(["SWITCHYARD_IPS": ""]) == FlatOptions())
    }

    /// Seed 000's health-check, circuit-breaker and transport flags land on the forward listener's pool.
    @Test func healthCheckAndCircuitBreakerFlagsConfigureThePool() throws {
        var flags = FlatOptions()
        flags.healthCheckEnabled = "true"
        flags.healthCheckType = "http"
        flags.healthCheckInterval = "3s"
        flags.healthCheckTimeout = "1s"
        flags.healthCheckTarget = "http://127.0.0.1:9000/health"
        flags.healthCheckFailureThreshold = "4"
        flags.healthCheckSuccessThreshold = "1"
        flags.circuitBreakerEnabled = "true"
        flags.cbFailureThreshold = "7"
        flags.cbSuccessThreshold = "3"
        flags.cbTimeout = "45s"
        flags.idleConnTimeout = "20s"
        let pool = try ConfigLoader.resolve(file: nil, flags: flags, environment: [:]).pools[0]
        #expect(
            pool.resilience.healthCheck
                == HealthCheckSettings(
                    type: .http, interval: .seconds(3), timeout: .seconds(1), target: "http://127.0.0.1:9000/health",
                    failureThreshold: 4, successThreshold: 1))
        #expect(pool.resilience.circuitBreaker == CircuitBreakerSettings(failureThreshold: 7, timeout: .seconds(45), successThreshold: 3))
        #expect(pool.keepAlive.idleTimeout == .seconds(20))
        let environment = ["SWITCHYARD_CIRCUIT_BREAKER_ENABLED": "true", "SWITCHYARD_CB_TIMEOUT": "5s"]
        let fromEnvironment = try ConfigLoader.resolve(file: nil, flags: FlatOptions(), environment: environment)
        #expect(fromEnvironment.pools[0].resilience.circuitBreaker?.timeout == .seconds(5))
    }

    @Test func healthCheckSettingsWithoutAHealthCheckAreRefusedNamingTheFlag() {
        var flags = FlatOptions()
        flags.healthCheckInterval = "3s"
        flags.cbTimeout = "nope"
        flags.healthCheckEnabled = "maybe"
        let found = resolveIssues(file: nil, flags: flags).map(\.description)
        #expect(found.contains("--health-check-enabled: expected true or false, got \"maybe\""))
        #expect(found.contains("--health-check-interval: the pool has no health check: add --health-check-enabled true"))
        #expect(found.contains { $0.hasPrefix("--cb-timeout: ") })
        var enabledWithoutTarget = FlatOptions()
        enabledWithoutTarget.healthCheckEnabled = "true"
        let missingTarget = resolveIssues(file: nil, flags: enabledWithoutTarget).map(\.description)
        #expect(missingTarget.contains { $0.hasPrefix("--health-check-enabled") && $0.contains("target") }, "\(missingTarget)")
    }

    @Test func badIPFlagNamesTheFlag() {
        let found = resolveIssues(file: nil, flags: FlatOptions(ips: "10.0.0.1,300.1.1.1"))
        #expect(found.map(\.description) == ["--ips: \"300.1.1.1\" is not an IP address"])
    }

    @Test func badIPFromTheEnvironmentNamesTheVariable() {
        let found = resolveIssues(file: nil, environment: ["SWITCHYARD_IPS": "300.1.1.1"])
        #expect(found.map(\.description) == ["SWITCHYARD_IPS: \"300.1.1.1\" is not an IP address"])
    }

    @Test func flagValueBeatsTheEnvironmentEvenWhenTheEnvironmentsIsBad() throws {
        let config = try ConfigLoader.resolve(
            file: nil, flags: FlatOptions(ips: "10.0.0.1"), environment: ["SWITCHYARD_IPS": "garbage"])
        #expect(config.pools[0].targets == [TargetSettings(sourceIP: "10.0.0.1")])
    }

    @Test func everyMalformedValueIsReportedAtOnce() {
        let found = resolveIssues(
            file: nil,
            flags: FlatOptions(ips: "10.0.0.1,,10.0.0.2", port: "http", auth: "nocolon", timeout: "30"),
            environment: ["SWITCHYARD_LOG_LEVEL": "verbose", "SWITCHYARD_MAX_CONNS_PER_IP": "many"])
        #expect(
            found.map(\.path) == [
                "--ips", "--port", "--auth", "--timeout", "SWITCHYARD_MAX_CONNS_PER_IP", "SWITCHYARD_LOG_LEVEL",
            ])
        #expect(found[3].message.contains("\"30s\""))
        #expect(!found.contains { $0.message.contains("nocolon") })
    }

    @Test func duplicateIPsAreReportedAgainstTheFlag() {
        let found = resolveIssues(file: nil, flags: FlatOptions(ips: "10.0.0.1,10.0.0.1"))
        #expect(found.map(\.path) == ["--ips"])
    }

    @Test func portZeroIsAllowedFromFlags() throws {
        let config = try ConfigLoader.resolve(
            file: nil, flags: FlatOptions(port: "0", metricsPort: "0"), environment: [:])
        #expect(config.listeners[0].listen.port == 0)
        #expect(config.admin.listen.port == 0)
    }

    @Test func flatOptionsNeedAForwardListener() {
        withTemporaryFile("pools: { p: { targets: [ {} ] } }\n") { path in
            let found = resolveIssues(file: path, flags: FlatOptions(port: "80"))
            #expect(found.map(\.path) == ["--port", "listeners"])
        }
    }
}
