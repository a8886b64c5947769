import Testing

@testable import SwitchyardConfig

@Suite struct PrecedenceTests {
    /// A file whose first forward listener is the second listener, to show which one flat options change.
    private let twoListenerYAML = """
        log: { level: debug }
        listeners:
          - name: egress
            mode: forward
            listen: "0.0.0.0:3128"
            pool: outbound
            timeouts: { connect: 5s, idle: 2m }
          - name: other
            mode: forward
            listen: "0.0.0.0:3129"
            pool: spare
        pools:
          outbound:
            max_connections_per_target: 7
            targets: [ { source_ip: "10.0.0.1" } ]
          spare:
            targets: [ {} ]

        """

    @Test func withoutAnythingTheEmbeddedDefaultApplies() throws {
        #expect(try ConfigLoader.resolve(file: nil, flags: FlatOptions(), environment: [:]) == .embeddedDefault)
    }

    @Test func flatOptionsModifyTheEmbeddedDefault() throws {
        let config = try ConfigLoader.resolve(
            file: nil,
            flags: FlatOptions(
                ips: "10.0.0.1, 10.0.0.2", port: "8080", metricsPort: "9100", auth: "bob:pa:ss", timeout: "5s",
                idleTimeout: "2m", maxConnsPerIP: "3", maxConnsTotal: "50", historyWindow: "10m", historySize: "4",
                historyMaxTotalEntries: "40", logLevel: "debug", logFormat: "text"),
            environment: [:])
        var expected = SwitchyardConfig.embeddedDefault
        expected.listeners[0].listen.port = 8080
        expected.listeners[0].auth = AuthSettings(users: [ProxyUser(username: "bob", password: "pa:ss")])
        expected.listeners[0].timeouts.connect = .seconds(5)
        expected.listeners[0].timeouts.idle = .seconds(120)
        expected.listeners[0].maxConnections = 50
        expected.pools[0].targets = [TargetSettings(sourceIP: "10.0.0.1"), TargetSettings(sourceIP: "10.0.0.2")]
        expected.pools[0].maxConnectionsPerTarget = 3
        expected.pools[0].policyOptions = PolicyOptions(
            historyWindow: .seconds(600), historySize: 4, historyMaxTotalEntries: 40)
        expected.admin.listen.port = 9100
        expected.log = LogSettings(level: .debug, format: .text)
        #expect(config == expected)
    }

    @Test func fileBeatsDefaultsEnvironmentBeatsFileFlagsBeatEnvironment() throws {
        try withTemporaryFile(twoListenerYAML) { path in
            let fileOnly = try ConfigLoader.resolve(file: path, flags: FlatOptions(), environment: [:])
            #expect(fileOnly.log.level == .debug)
            #expect(fileOnly.listeners[0].timeouts.connect == .seconds(5))
            #expect(fileOnly.listeners[0].maxHeaderBytes == 32768)

            let environment = ["SWITCHYARD_TIMEOUT": "7s", "SWITCHYARD_LOG_LEVEL": "warn", "SWITCHYARD_PORT": "4000"]
            let withEnvironment = try ConfigLoader.resolve(file: path, flags: FlatOptions(), environment: environment)
            #expect(withEnvironment.listeners[0].timeouts.connect == .seconds(7))
            #expect(withEnvironment.listeners[0].timeouts.idle == .seconds(120))
            #expect(withEnvironment.listeners[0].listen == ListenAddress(host: "0.0.0.0", port: 4000))
            #expect(withEnvironment.log.level == .warn)

            let withFlags = try ConfigLoader.resolve(
                file: path, flags: FlatOptions(timeout: "9s", logLevel: "error"), environment: environment)
            #expect(withFlags.listeners[0].timeouts.connect == .seconds(9))
            #expect(withFlags.listeners[0].listen.port == 4000)
            #expect(withFlags.log.level == .error)
        }
    }

    @Test func flatOptionsChangeOnlyTheFirstForwardListenerAndItsPool() throws {
        try withTemporaryFile(twoListenerYAML) { path in
            let config = try ConfigLoader.resolve(
                file: path, flags: FlatOptions(ips: "10.9.9.9", maxConnsTotal: "5"), environment: [:])
            #expect(config.listeners.map(\.maxConnections) == [5, 1000])
            #expect(config.pool(named: "outbound")?.targets == [TargetSettings(sourceIP: "10.9.9.9")])
            #expect(config.pool(named: "outbound")?.maxConnectionsPerTarget == 7)
            #expect(config.pool(named: "spare")?.targets == [TargetSettings()])
        }
    }

    @Test func fileIssuesNameTheFileAndLine() {
        withTemporaryFile(
            minimalYAML.replacing("max", with: "").replacing("pool: outbound", with: "pool: outbound\n    add_via: 3")
        ) { path in
            let found = resolveIssues(file: path)
            #expect(found.map(\.file) == [path])
            #expect(found.map(\.line) == [6])
            #expect(found.map(\.path) == ["listeners[0].add_via"])
        }
    }

    @Test func unreadableFileIsAnIssueNamingIt() {
        let found = resolveIssues(file: "/nonexistent/switchyard.yaml")
        #expect(found.count == 1)
        #expect(found.first?.file == "/nonexistent/switchyard.yaml")
        #expect(found.first?.message.hasPrefix("cannot read the file") == true)
    }

    @Test func aFlagFixesNothingInTheFileButTakesOverProblemsWithItsValue() {
        withTemporaryFile(minimalYAML) { path in
            let found = resolveIssues(file: path, flags: FlatOptions(maxConnsTotal: "0"))
            #expect(found.map(\.description) == ["--max-conns-total: must be at least 1, got 0"])
        }
    }
}
