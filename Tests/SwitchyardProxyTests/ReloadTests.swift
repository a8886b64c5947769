import Foundation
import Logging
import SwitchyardAdmin
import SwitchyardConfig
import SwitchyardRuntime
import Testing

/// Applying a new config to a running Switchyard: new targets take traffic at once, targets that stay keep their
/// state, and what cannot change live is refused with the old config still serving.
@Suite(.timeLimit(.minutes(2)))
struct ReloadTests {
    private func yaml(_ backends: [HealthBackend]) -> String {
        HealthBackend.reverseYAML(backends)
    }

    @Test func addedTargetsTakeTrafficAndStayingTargetsKeepTheirState() async throws {
        try await withResources { resources in
            let first = try await HealthBackend(group: resources.group)
            let second = try await HealthBackend(group: resources.group)
            let third = try await HealthBackend(group: resources.group)
            defer { Task { for backend in [first, second, third] { await backend.stop() } } }
            let proxy = resources.track(try await ProxyHarness(yaml: yaml([first, second])))
            proxy.runtime.target(second.url, inPool: "backends")!.state.isDraining = true

            try proxy.runtime.reload(try ConfigLoader.parse(yaml: yaml([first, second, third]), file: nil))
            #expect(proxy.runtime.target(second.url, inPool: "backends")!.state.isDraining, "state carries over")
            #expect(try Subprocess.statuses(["\(proxy.proxyURL)/page?[1-10]"]) == Array(repeating: "200", count: 10))
            #expect(first.requestSources.count + third.requestSources.count == 10)
            #expect(third.requestSources.count >= 3, "the added target takes its share at once")
            #expect(second.requestSources.isEmpty)
            let servedByThird = third.requestSources.count

            try proxy.runtime.reload(try ConfigLoader.parse(yaml: yaml([third]), file: nil))
            #expect(proxy.runtime.target(first.url, inPool: "backends") == nil)
            #expect(try Subprocess.statuses(["\(proxy.proxyURL)/page?[1-4]"]) == Array(repeating: "200", count: 4))
            #expect(third.requestSources.count == servedByThird + 4)
            #expect(proxy.runtime.metricsText().contains(#"switchyard_config_reloads_total{result="success"} 2"#))
        }
    }

    @Test func anUnhealthyTargetStaysOutAcrossAReload() async throws {
        try await withResources { resources in
            let sick = try await HealthBackend(group: resources.group)
            let well = try await HealthBackend(group: resources.group)
            defer { Task { await sick.stop(); await well.stop() } }
            func config(_ backends: [HealthBackend]) -> String {
                HealthBackend.reverseYAML(
                    backends,
                    poolExtra: "    health_check: { type: http, interval: 100ms, timeout: 1s, path: /health, failure_threshold: 2, success_threshold: 2 }\n")
            }
            sick.setFailing(true)
            let proxy = resources.track(try await ProxyHarness(yaml: config([sick])))
            #expect(try await eventually { !proxy.runtime.target(sick.url, inPool: "backends")!.state.isHealthy })
            try proxy.runtime.reload(try ConfigLoader.parse(yaml: config([sick, well]), file: nil))
            let target = try #require(proxy.runtime.target(sick.url, inPool: "backends"))
            #expect(!target.state.isHealthy, "the verdict carries over the reload")
            #expect(proxy.runtime.condition(of: target, inPool: "backends").healthCause.hasPrefix("2 consecutive failed checks"))
            #expect(try Subprocess.statuses(["\(proxy.proxyURL)/page?[1-4]"]) == Array(repeating: "200", count: 4))
            #expect(sick.requestSources.isEmpty && well.requestSources.count == 4)
        }
    }

    @Test func aListenerThatCannotBindFailsTheWholeReloadAndTheOldConfigKeepsServing() async throws {
        try await withResources { resources in
            let backend = try await HealthBackend(group: resources.group)
            defer { Task { await backend.stop() } }
            let taken = resources.track(try await TCPServer.echo(group: resources.group))
            let proxy = resources.track(try await ProxyHarness(yaml: yaml([backend])))
            var changed = try ConfigLoader.parse(yaml: yaml([backend]), file: nil)
            var second = changed.listeners[0]
            second.name = "second"
            second.listen = ListenAddress(host: "127.0.0.1", port: taken.localAddress!.port!)
            changed.listeners.append(second)
            changed.pools[0].policy = "random"
            #expect(throws: ReloadError.self) { try proxy.runtime.reload(changed) }
            #expect(proxy.runtime.config.pools[0].policy == "round-robin")
            #expect(proxy.runtime.config.listeners.count == 1)
            #expect(try Subprocess.statuses(["\(proxy.proxyURL)/page"]) == ["200"])
            #expect(proxy.runtime.metricsText().contains(#"switchyard_config_reloads_total{result="failure"} 1"#))
        }
    }

    /// A reload adds a listener, moves one to a new port and changes another's settings in place; then removes
    /// one. A tunnel opened on the old port runs on through all of it, while the old port takes no new client.
    @Test func listenersAreAddedMovedChangedAndRemovedLiveWhileTheirTunnelsRunOn() async throws {
        try await withResources { resources in
            let echo = resources.track(try await TCPServer.echo(group: resources.group))
            let echoPort = echo.localAddress!.port!
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let proxy = resources.track(try await ProxyHarness(yaml: ProxyHarness.forwardYAML()))
            let oldPort = proxy.port
            let tunnel = try RawClient(port: oldPort)
            try tunnel.send("CONNECT 127.0.0.1:\(echoPort) HTTP/1.1\r\nHost: 127.0.0.1:\(echoPort)\r\n\r\n")
            #expect(try tunnel.receive(until: "\r\n\r\n").hasPrefix("HTTP/1.1 200"))

            let (movedPort, addedPort) = (try freeLoopbackPort(), try freeLoopbackPort())
            var next = proxy.runtime.config
            next.listeners[0].listen = ListenAddress(host: "127.0.0.1", port: movedPort)
            var added = next.listeners[0]
            added.name = "added"
            added.listen = ListenAddress(host: "127.0.0.1", port: addedPort)
            added.auth = AuthSettings(users: [ProxyUser(username: "alice", password: "alice-password")])
            next.listeners.append(added)
            try proxy.runtime.reload(next)

            let page = "http://127.0.0.1:\(origin.port)/"
            #expect(try Subprocess.statuses(["-x", "http://127.0.0.1:\(movedPort)", page]) == ["200"], "the moved listener serves")
            #expect(try Subprocess.statuses(["-x", "http://127.0.0.1:\(addedPort)", page]) == ["407"], "the added one asks")
            #expect(
                try Subprocess.statuses(["-x", "http://alice:alice-password@127.0.0.1:\(addedPort)", page]) == ["200"])
            #expect(try await eventually { !RawClient.canConnect(port: oldPort) }, "the old port takes no new client")
            try tunnel.send("through-the-move")
            #expect(try tunnel.receive(until: "through-the-move") == "through-the-move", "the open tunnel runs on")

            // Same name and address: the socket stays and the new settings apply to new connections.
            next.listeners[1].auth = nil
            next.listeners.removeFirst()
            try proxy.runtime.reload(next)
            #expect(try Subprocess.statuses(["-x", "http://127.0.0.1:\(addedPort)", page]) == ["200"], "auth lifted in place")
            #expect(try await eventually { !RawClient.canConnect(port: movedPort) }, "the removed listener stops accepting")
            #expect(proxy.runtime.boundAddress(ofListener: "added")?.port == addedPort)
            tunnel.shutdownWrite()
            #expect(try tunnel.receiveAll().isEmpty)
        }
    }

    @Test func aPerTargetLimitHoldsAcrossAReloadThatChangesTheWeight() async throws {
        try await withResources { resources in
            let echo = resources.track(try await TCPServer.echo(group: resources.group))
            let port = echo.localAddress!.port!
            let yaml = ProxyHarness.forwardYAML(sourceIPs: ["127.0.0.2"], weights: [1], maxConnectionsPerTarget: 1)
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            func openTunnel() throws -> (RawClient, String) {
                let tunnel = try RawClient(port: proxy.port)
                try tunnel.send("CONNECT 127.0.0.1:\(port) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n")
                return (tunnel, try tunnel.receive(until: "\r\n\r\n"))
            }
            let (open, answer) = try openTunnel()
            #expect(answer.hasPrefix("HTTP/1.1 200"))
            #expect(try !openTunnel().1.hasPrefix("HTTP/1.1 200"), "the target's one slot is taken")

            try proxy.runtime.reload(
                try ConfigLoader.parse(yaml: yaml.replacingOccurrences(of: "weight: 1", with: "weight: 2"), file: nil))
            let target = try #require(proxy.runtime.target("127.0.0.2", inPool: "outbound"))
            #expect(target.weight == 2 && target.connections.active == 1, "the open tunnel still counts")
            #expect(try !openTunnel().1.hasPrefix("HTTP/1.1 200"), "the limit of 1 holds after the reload")

            open.shutdownWrite()
            _ = try? open.receiveAll()
            #expect(try await eventually { target.connections.active == 0 }, "released through the old generation")
            #expect(try openTunnel().1.hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func concurrentAdminEditsAllApply() async throws {
        try await withResources { resources in
            let proxy = resources.track(try await ProxyHarness(yaml: ProxyHarness.forwardYAML()))
            let runtime = proxy.runtime
            try await withThrowingTaskGroup(of: Void.self) { edits in
                for index in 1...50 {
                    edits.addTask {
                        _ = try await runtime.addTarget(TargetSpec(sourceIP: "127.0.1.\(index)"), toPool: "outbound")
                    }
                }
                try await edits.waitForAll()
            }
            #expect(runtime.config.pools[0].targets.count == 51, "no edit lost to another")
            #expect(runtime.pools().first?.targets.count == 51)
        }
    }
}

/// Config changes through the admin API written back to the config file.
@Suite(.timeLimit(.minutes(2)))
struct PersistTests {
    @Test func anAppliedConfigIsWrittenBackWhenPersistIsOn() async throws {
        let yaml = """
            log: { level: error, format: text }
            admin: { listen: "127.0.0.1:0", persist: true }
            listeners: [ { name: egress, mode: forward, listen: "127.0.0.1:0", pool: out } ]
            pools: { out: { max_connections_per_target: 10, targets: [ {} ] } }
            """
        let path = try temporaryFile(yaml)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var logger = Logger(label: "switchyard-test")
        logger.logLevel = .critical
        let runtime = try SwitchyardRuntime(config: try ConfigLoader.parse(yaml: yaml, file: path), configFile: path, logger: logger)
        try await runtime.start()
        let changed = yaml.replacingOccurrences(of: "max_connections_per_target: 10", with: "max_connections_per_target: 20")
        #expect(await runtime.applyConfig(yaml: changed, mayChangeKeys: true) == .applied(persisted: true))
        let written = try ConfigLoader.parse(yaml: String(contentsOfFile: path, encoding: .utf8), file: path)
        #expect(written.pools[0].maxConnectionsPerTarget == 20)
        #expect(written == runtime.config)
        await runtime.shutdown()
    }
}
