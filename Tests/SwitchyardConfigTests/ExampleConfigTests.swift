import Testing

@testable import SwitchyardConfig

@Suite struct ExampleConfigTests {
    @Test func fullExampleParsesIntoTheModel() throws {
        let config = try ConfigLoader.parse(yaml: exampleYAML, file: "example.yaml")
        let expected = SwitchyardConfig(
            log: LogSettings(level: .info, format: .json),
            admin: AdminSettings(listen: ListenAddress(host: "127.0.0.1", port: 9090)),
            listeners: [
                ListenerSettings(
                    name: "egress", mode: .forward, listen: ListenAddress(host: "127.0.0.1", port: 3128),
                    pool: "outbound", auth: AuthSettings(users: [ProxyUser(username: "alice", password: "s3cret")]),
                    maxConnections: 1000, maxHeaderBytes: 32768, addVia: false, addXForwardedFor: false,
                    timeouts: ListenerTimeouts(
                        connect: .seconds(30), idle: .seconds(60), headerRead: .seconds(10), shutdown: .seconds(30)))
            ],
            pools: [
                PoolSettings(
                    name: "outbound", policy: "lru-per-host",
                    policyOptions: PolicyOptions(
                        historyWindow: .seconds(300), historySize: 100, historyMaxTotalEntries: 100_000),
                    maxConnectionsPerTarget: 100,
                    keepAlive: KeepAliveSettings(maxIdlePerDestination: 8, idleTimeout: .seconds(90)),
                    targets: [
                        TargetSettings(sourceIP: "192.168.1.100", weight: 1),
                        TargetSettings(sourceIP: "192.168.1.101", weight: 2),
                        TargetSettings(sourceIP: nil, weight: 1),
                    ])
            ])
        #expect(config == expected)
        #expect(config.pool(named: "outbound")?.targets.map(\.id) == ["192.168.1.100", "192.168.1.101", "default"])
        #expect(config.pool(named: "missing") == nil)
    }

    @Test func omittedFieldsTakeTheirDefaults() throws {
        let config = try ConfigLoader.parse(yaml: minimalYAML, file: nil)
        #expect(config.log == LogSettings(level: .info, format: .json))
        #expect(config.admin.listen == ListenAddress(host: "127.0.0.1", port: 9090))
        let listener = try #require(config.listeners.first)
        #expect(listener.auth == nil)
        #expect(listener.maxConnections == 1000)
        #expect(listener.maxHeaderBytes == 32768)
        #expect(!listener.addVia && !listener.addXForwardedFor)
        #expect(
            listener.timeouts
                == ListenerTimeouts(
                    connect: .seconds(30), idle: .seconds(60), headerRead: .seconds(10), shutdown: .seconds(30)))
        let pool = try #require(config.pool(named: "outbound"))
        #expect(pool.policy == "lru-per-host")
        #expect(
            pool.policyOptions
                == PolicyOptions(historyWindow: .seconds(300), historySize: 100, historyMaxTotalEntries: 100_000))
        #expect(pool.maxConnectionsPerTarget == 100)
        #expect(pool.keepAlive == KeepAliveSettings(maxIdlePerDestination: 128, idleTimeout: .seconds(90)))
        #expect(pool.targets == [TargetSettings(sourceIP: nil, weight: 1)])
    }

    @Test func embeddedDefaultIsAValidForwardProxy() throws {
        let config = SwitchyardConfig.embeddedDefault
        #expect(config.listeners.map(\.name) == ["egress"])
        #expect(config.listeners[0].mode == .forward)
        #expect(config.listeners[0].listen.description == "127.0.0.1:3128")
        #expect(config.listeners[0].pool == "default")
        #expect(config.pool(named: "default")?.policy == "lru-per-host")
        #expect(config.pool(named: "default")?.targets == [TargetSettings()])
        #expect(config.admin.listen.description == "127.0.0.1:9090")
        #expect(config.log == LogSettings(level: .info, format: .json))
        try config.validate()
    }

    @Test func logLevelAcceptsWarningAsWarn() throws {
        let config = try ConfigLoader.parse(yaml: "log: { level: warning, format: text }\n" + minimalYAML, file: nil)
        #expect(config.log == LogSettings(level: .warn, format: .text))
    }

    @Test func ipv6SourceAndListenAddresses() throws {
        let yaml = """
            listeners:
              - { name: six, mode: forward, listen: "[::1]:3128", pool: p }
            pools:
              p: { targets: [ { source_ip: "2001:db8::1" }, { source_ip: "10.0.0.1" } ] }
            """
        let config = try ConfigLoader.parse(yaml: yaml, file: nil)
        #expect(config.listeners[0].listen == ListenAddress(host: "::1", port: 3128))
        #expect(config.pools[0].targets.map(\.id) == ["2001:db8::1", "10.0.0.1"])
    }

    @Test func poolsKeepFileOrder() throws {
        let yaml =
            minimalYAML + """
                  zeta: { targets: [ {} ] }
                  alpha: { targets: [ {} ] }
                """
        let config = try ConfigLoader.parse(yaml: yaml, file: nil)
        #expect(config.pools.map(\.name) == ["outbound", "zeta", "alpha"])
    }
}
