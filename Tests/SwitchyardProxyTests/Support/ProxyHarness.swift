import Logging
import NIOCore
import NIOPosix
import SwitchyardConfig
import SwitchyardRuntime

/// Switchyard running in-process on an ephemeral loopback port, with the loopback servers a test talks to.
final class ProxyHarness {
    let runtime: SwitchyardRuntime
    let port: Int
    let group: MultiThreadedEventLoopGroup

    /// Starts a runtime from YAML; listener addresses should use port 0. Logs go to `logger` (none by default).
    init(yaml: String, logger: Logger = ProxyHarness.silentLogger) async throws {
        let config = try ConfigLoader.parse(yaml: yaml, file: nil)
        runtime = try SwitchyardRuntime(config: config, logger: logger)
        try await runtime.start()
        port = runtime.boundAddress(ofListener: config.listeners[0].name)!.port!
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// A logger that shows only critical messages.
    static var silentLogger: Logger {
        var logger = Logger(label: "switchyard-test")
        logger.logLevel = .critical
        return logger
    }

    var proxyURL: String { "http://127.0.0.1:\(port)" }

    func shutdown() async {
        await runtime.shutdown()
        try? await group.shutdownGracefully()
    }

    /// The destination policy test listeners opt into: loopback origins are private addresses, and tunnel tests
    /// CONNECT to their echo servers' ports.
    static let loopbackDestinations = "{ allow_private: true, rules: [ { action: allow, methods: [CONNECT] } ] }"

    /// A forward listener on an ephemeral port over the given egress targets. `targets`, when given, are the
    /// targets as YAML flow mappings (instead of `sourceIPs` and `weights`). `listenerExtra` and `poolExtra` are
    /// extra YAML lines for the listener and the pool, indented by four spaces and ending in a newline;
    /// `destinations` is the listener's destination policy in flow style (nil: the built-in default).
    static func forwardYAML(
        targets explicitTargets: [String]? = nil,
        sourceIPs: [String?] = [nil],
        weights: [Int]? = nil,
        policy: String = "lru-per-host",
        policyOptions: String = "",
        maxConnectionsPerTarget: Int = 100,
        maxConnections: Int = 1000,
        auth: (String, String)? = nil,
        headerRead: String = "10s",
        idle: String = "60s",
        shutdown: String = "30s",
        listenerExtra: String = "",
        poolExtra: String = "",
        destinations: String? = loopbackDestinations
    ) -> String {
        let targets = explicitTargets?.map { "      - \($0)" } ?? sourceIPs.enumerated().map { index, ip in
            let weight = weights.map { "\n        weight: \($0[index])" } ?? ""
            return (ip.map { "      - source_ip: \"\($0)\"" } ?? "      - {}") + weight
        }
        let authBlock = auth.map { "    auth: { users: [ { username: \"\($0.0)\", password: \"\($0.1)\" } ] }\n" } ?? ""
        let destinationsLine = destinations.map { "    destinations: \($0)\n" } ?? ""
        return """
            log: { level: error, format: text }
            listeners:
              - name: egress
                mode: forward
                listen: "127.0.0.1:0"
                pool: outbound
                max_connections: \(maxConnections)
            \(authBlock)\(destinationsLine)\(listenerExtra)    timeouts: { connect: 5s, idle: \(idle), header_read: \(headerRead), shutdown: \(shutdown) }
            pools:
              outbound:
                policy: \(policy)
            \(policyOptions.isEmpty ? "" : "    policy_options: \(policyOptions)\n")    max_connections_per_target: \(maxConnectionsPerTarget)
            \(poolExtra)    targets:
            \(targets.joined(separator: "\n"))

            """
    }
}

/// Runs `body` with a harness and origin, and always cleans both up.
func withProxy<T>(
    yaml: String,
    _ body: (ProxyHarness, TestOrigin) async throws -> T
) async throws -> T {
    let harness = try await ProxyHarness(yaml: yaml)
    let origin: TestOrigin
    do {
        origin = try await TestOrigin.start(group: harness.group)
    } catch {
        await harness.shutdown()
        throw error
    }
    do {
        let result = try await body(harness, origin)
        await origin.stop()
        await harness.shutdown()
        return result
    } catch {
        await origin.stop()
        await harness.shutdown()
        throw error
    }
}
