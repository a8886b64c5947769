import Foundation
import NIOPosix
import Testing

/// Behaviour only a real process shows: config errors and exit codes, signals, resident memory.
@Suite(.timeLimit(.minutes(3)))
struct ProcessTests {
    /// Out of file descriptors, the proxy pauses accepting instead of spinning a core on `accept` → EMFILE, and
    /// serves again once descriptors are free.
    @Test func runningOutOfDescriptorsDoesNotSpinTheAcceptLoop() async throws {
        let origin = try await TestOrigin.start(group: MultiThreadedEventLoopGroup.singleton)
        defer { Task { await origin.stop() } }
        let path = try reverseConfigFile(originPort: origin.port, settings: "log: { level: info, format: json }\nworkers: 1")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let proxy = try SwitchyardProcess(arguments: ["--config", path])
        defer { proxy.terminate() }
        let port = try await proxy.listeningPort()
        // Counted once the admin endpoint is up too: it starts after the listeners, and with the limit set before it
        // has its sockets and event loops, it fails to start and the process exits (on a busy machine, often).
        _ = try await proxy.waitForLine(containing: "admin endpoint ready")
        let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(proxy.pid)/fd").count
        let limited = try Subprocess.run("/usr/bin/prlimit", ["--pid", "\(proxy.pid)", "--nofile=\(open + 8):\(open + 8)"])
        #expect(limited.status == 0, "\(limited.stderr)")
        let clients = try (0..<40).map { _ in try RawClient(port: port) }
        try await Task.sleep(for: .milliseconds(500))
        func cpuTicks() throws -> Int {
            guard let stat = try? String(contentsOfFile: "/proc/\(proxy.pid)/stat", encoding: .utf8) else {
                throw SwitchyardProcess.Failure(description: "the proxy exited; its output:\n\(proxy.output.suffix(20).joined(separator: "\n"))")
            }
            let fields = stat[stat.lastIndex(of: ")")!...].split(separator: " ")
            return Int(fields[12])! + Int(fields[13])!  // utime + stime, after the name
        }
        let before = try cpuTicks()
        try await Task.sleep(for: .seconds(2))
        let used = try cpuTicks() - before
        #expect(used < 40, "\(used) ticks of CPU in 2 s while out of descriptors (a spinning loop uses about 200)")
        for client in clients { client.reset() }
        let served = try await eventually(within: 10) {
            (try? Subprocess.curl(["-s", "http://127.0.0.1:\(port)/"]).stdout) == "ok"
        }
        #expect(served, "serves again once descriptors are free")
    }

    @Test func badIPsFlagIsRejectedBeforeBinding() throws {
        let result = try Subprocess.run(SwitchyardProcess.binaryPath, ["--ips", "127.0.0.2,300.1.1.1", "--port", "0"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--ips"))
        #expect(result.stderr.contains("300.1.1.1"))
        #expect(!result.stdout.contains("listening"))
    }

    @Test func badIPsFromTheEnvironmentNamesTheVariable() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["SWITCHYARD_IPS"] = "not-an-ip"
        let result = try Subprocess.run(SwitchyardProcess.binaryPath, ["check"], environment: environment)
        #expect(result.status != 0)
        #expect(result.stderr.contains("SWITCHYARD_IPS"))
    }

    @Test func unknownConfigKeyIsReportedWithLineAndSuggestion() throws {
        let path = try temporaryFile(
            """
            listeners:
              - name: egress
                mode: forward
                listen: "127.0.0.1:0"
                pool: outbound
                max_conections: 10
            pools:
              outbound:
                targets:
                  - source_ip: "127.0.0.2"
                  - source_ip: "127.0.0.999"
            """
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Subprocess.run(SwitchyardProcess.binaryPath, ["check", "--config", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains(":6:"), "\(result.stderr)")
        #expect(result.stderr.contains("max_connections"))
        #expect(result.stderr.contains("pools.outbound.targets[1].source_ip"))
    }

    @Test func checkPrintsTheEffectiveConfigWithSecretsRedacted() throws {
        let result = try Subprocess.run(
            SwitchyardProcess.binaryPath,
            ["check", "--ips", "127.0.0.2,127.0.0.3", "--auth", "alice:topsecret", "--max-conns-per-ip", "7"]
        )
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("127.0.0.3"))
        #expect(result.stdout.contains("max_connections_per_target: 7"))
        #expect(!result.stdout.contains("topsecret"))
        #expect(result.stdout.hasSuffix("# config OK: 1 listener(s), 1 pool(s)\n"), "ends with a clear verdict")
        let version = try Subprocess.run(SwitchyardProcess.binaryPath, ["--version"])
        #expect(version.status == 0 && version.stdout.split(separator: ".").count == 3, "\(version.stdout)")
    }

    /// The embedded default on an ephemeral port, opened to the loopback origins and echo servers tests use.
    static func loopbackConfig(workers: Int) -> String {
        """
        log: { level: info, format: json }
        admin: { listen: "127.0.0.1:0" }
        workers: \(workers)
        destinations: \(ProxyHarness.loopbackDestinations)
        listeners: [ { name: egress, mode: forward, listen: "127.0.0.1:0", pool: default } ]
        pools: { default: { targets: [ {} ] } }
        """
    }

    @Test func sigtermLetsTheInFlightRequestFinishAndExitsZero() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let origin = try await TestOrigin.start(group: group)
        let path = try temporaryFile(Self.loopbackConfig(workers: 0))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let proxy = try SwitchyardProcess(arguments: ["--config", path])
        defer {
            proxy.terminate()
            Task { await origin.stop(); try? await group.shutdownGracefully() }
        }
        let port = try await proxy.listeningPort()
        async let slow = Task.detached {
            try Subprocess.curl(["-x", "http://127.0.0.1:\(port)", "http://127.0.0.1:\(origin.port)/slow?ms=2000"])
        }.value
        for _ in 0..<200 where origin.requests.isEmpty {
            try await Task.sleep(for: .milliseconds(25))
        }
        #expect(origin.requests.count == 1)
        proxy.signal(SIGTERM)
        try await Task.sleep(for: .milliseconds(300))
        #expect(!RawClient.canConnect(port: port), "new connections must be refused during shutdown")
        let result = try await slow
        #expect(result.stdout == "slept", "\(result.stderr)")
        #expect(try await proxy.waitForExit() == 0)
    }

    @Test func sighupReloadsTheConfigFileAndKeepsTheOldOneWhenTheNewOneIsBad() async throws {
        func config(maxConnectionsPerTarget: Int) -> String {
            """
            log: { level: info, format: json }
            admin: { listen: "127.0.0.1:0" }
            listeners: [ { name: egress, mode: forward, listen: "127.0.0.1:0", pool: out } ]
            pools: { out: { max_connections_per_target: \(maxConnectionsPerTarget), targets: [ {} ] } }
            """
        }
        let path = try temporaryFile(config(maxConnectionsPerTarget: 10))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let proxy = try SwitchyardProcess(arguments: ["--config", path])
        defer { proxy.terminate() }
        let port = try await proxy.listeningPort()

        try config(maxConnectionsPerTarget: 20).write(toFile: path, atomically: true, encoding: .utf8)
        proxy.signal(SIGHUP)
        _ = try await proxy.waitForLine(containing: "configuration reloaded")

        try "pools: [ not a mapping".write(toFile: path, atomically: true, encoding: .utf8)
        proxy.signal(SIGHUP)
        _ = try await proxy.waitForLine(containing: "still running the old one")
        #expect(RawClient.canConnect(port: port))
        proxy.signal(SIGTERM)
        #expect(try await proxy.waitForExit() == 0)
    }

    @Test func accessLinesNamePoolTargetRequestIDAndUpstreamTimeAndTraceLogsEachPick() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let origin = try await TestOrigin.start(group: group)
        defer { Task { await origin.stop(); try? await group.shutdownGracefully() } }
        let path = try reverseConfigFile(originPort: origin.port, settings: "log: { level: trace, format: json }")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let proxy = try SwitchyardProcess(arguments: ["--config", path])
        defer { proxy.terminate() }
        let port = try await proxy.listeningPort()
        let result = try Subprocess.curl(["-H", "X-Request-Id: trace-me", "http://127.0.0.1:\(port)/page"])
        #expect(result.stdout == "ok")
        let access = try await proxy.waitForLine(containing: "trace-me")
        for field in [#""pool":"backends""#, #""target":"http://127.0.0.1:\#(origin.port)""#, #""upstream_ms":"#] {
            #expect(access.contains(field), "\(access)")
        }
        let decision = try await proxy.waitForLine(containing: "balancing decision")
        #expect(decision.contains(#""target":"http://127.0.0.1:\#(origin.port)""#))
        proxy.signal(SIGTERM)
        #expect(try await proxy.waitForExit() == 0)
    }

    @Test func anAdminPortInUseFailsStartupNamingTheAddress() async throws {
        try await withResources { resources in
            let taken = resources.track(try await TCPServer.echo(group: resources.group))
            let port = taken.localAddress!.port!
            let result = try Subprocess.run(SwitchyardProcess.binaryPath, ["--port", "0", "--metrics-port", "\(port)"])
            #expect(result.status == 1)
            #expect(result.stdout.contains("admin endpoint: cannot listen on 127.0.0.1:\(port)"), "\(result.stdout)")
        }
    }

    @Test func unreadableTLSFilesFailStartupWithoutBinding() throws {
        let path = try temporaryFile(
            """
            listeners:
              - { name: web, mode: reverse, listen: "127.0.0.1:0", pool: web, tls: { cert: /nonexistent/c.pem, key: /nonexistent/k.pem } }
            pools:
              web: { targets: [ { url: "http://127.0.0.1:9" } ] }
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Subprocess.run(SwitchyardProcess.binaryPath, ["--config", path])
        #expect(result.status == 1)
        #expect(result.stdout.contains("listener web: cannot load TLS files"), "\(result.stdout)")
        #expect(!result.stdout.contains("listening"))
    }

    @Test func oneGiBThroughATunnelToASlowReaderStaysUnder64MiB() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let total = 1 << 30
        let flood = try await TCPServer.flood(group: group, bytes: total)
        let path = try temporaryFile(Self.loopbackConfig(workers: 1))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let proxy = try SwitchyardProcess(arguments: ["--config", path])
        defer {
            proxy.terminate()
            flood.close(promise: nil)
            Task { try? await group.shutdownGracefully() }
        }
        let port = try await proxy.listeningPort()
        let floodPort = flood.localAddress!.port!
        let peak = try await Task.detached { () -> (Int, Int) in
            let client = try RawClient(port: port)
            try client.send("CONNECT 127.0.0.1:\(floodPort) HTTP/1.1\r\n\r\n")
            var received = 0
            var head = try client.receive(until: "\r\n\r\n")
            let headEnd = head.range(of: "\r\n\r\n")!.upperBound
            received += head.utf8.count - head[..<headEnd].utf8.count
            head = ""
            var peak = proxy.residentBytes
            // Stall completely first: without backpressure the proxy would buffer what the flood sends.
            usleep(2_000_000)
            peak = max(peak, proxy.residentBytes)
            var sinceCheck = 0
            while received < total {
                let chunk = try client.receive(max: 256 * 1024)
                if chunk.isEmpty { break }
                received += chunk.count
                sinceCheck += chunk.count
                if sinceCheck >= 32 << 20 {
                    sinceCheck = 0
                    peak = max(peak, proxy.residentBytes)
                    usleep(50_000)  // a slow reader
                }
            }
            return (received, peak)
        }.value
        #expect(peak.0 == total)
        #expect(peak.1 > 0)
        #expect(peak.1 < 64 << 20, "peak resident memory \(peak.1 >> 20) MiB")
    }
}
