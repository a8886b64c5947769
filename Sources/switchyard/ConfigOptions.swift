import ArgumentParser
import SwitchyardConfig

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The config file flag and the seed's flat flags; each flat flag also reads `SWITCHYARD_<NAME>`.
struct ConfigOptions: ParsableArguments {
    @Option(help: "YAML config file (env SWITCHYARD_CONFIG).")
    var config: String?

    @Option(help: "Comma-separated outbound source IPs of the egress pool.")
    var ips: String?
    @Option(help: "Port of the forward listener.")
    var port: String?
    @Option(help: "Port of the admin listener (health, metrics).")
    var metricsPort: String?
    @Option(help: "Proxy credentials, user:pass.")
    var auth: String?
    @Option(help: "Upstream connect timeout, e.g. 30s.")
    var timeout: String?
    @Option(help: "Idle timeout of client connections and tunnels, e.g. 60s.")
    var idleTimeout: String?
    @Option(name: .customLong("max-conns-per-ip"), help: "Concurrent connections per egress target.")
    var maxConnsPerIP: String?
    @Option(help: "Concurrent connections per listener.")
    var maxConnsTotal: String?
    @Option(help: "LRU history window, e.g. 5m.")
    var historyWindow: String?
    @Option(help: "LRU history entries kept per host.")
    var historySize: String?
    @Option(help: "LRU history entries kept across all hosts.")
    var historyMaxTotalEntries: String?
    @Option(help: "Event-loop threads (0 = one per core).")
    var workers: String?
    @Option(help: "trace, debug, info, warn or error.")
    var logLevel: String?
    @Option(help: "json or text.")
    var logFormat: String?
    @Option(help: "Write the PID here once listening; removed on exit (env SWITCHYARD_PID_FILE).")
    var pidFile: String?
    @Flag(help: "Reload when the config file changes (env SWITCHYARD_WATCH=true).")
    var watch = false
    @Option(help: "true: check every egress target actively (false removes a file's health check).")
    var healthCheckEnabled: String?
    @Option(help: "Health check type: tcp or http.")
    var healthCheckType: String?
    @Option(help: "Interval between health checks, e.g. 10s.")
    var healthCheckInterval: String?
    @Option(help: "Timeout of one health check, e.g. 5s.")
    var healthCheckTimeout: String?
    @Option(help: "What each target checks: host:port (tcp) or a URL (http).")
    var healthCheckTarget: String?
    @Option(help: "Consecutive failed checks that take a target out.")
    var healthCheckFailureThreshold: String?
    @Option(help: "Consecutive passed checks that bring it back.")
    var healthCheckSuccessThreshold: String?
    @Option(help: "true: a circuit breaker per target (false removes a file's).")
    var circuitBreakerEnabled: String?
    @Option(name: .customLong("cb-failure-threshold"), help: "Consecutive failures that open a circuit.")
    var cbFailureThreshold: String?
    @Option(name: .customLong("cb-success-threshold"), help: "Successful probes that close it again.")
    var cbSuccessThreshold: String?
    @Option(name: .customLong("cb-timeout"), help: "How long a circuit stays open, e.g. 30s.")
    var cbTimeout: String?
    @Option(help: "How long idle upstream connections are kept, e.g. 90s.")
    var idleConnTimeout: String?
    @Option(help: "TCP keep-alive idle time of client and upstream sockets, e.g. 30s (0 or off: none).")
    var tcpKeepalive: String?
    @Option(help: "Longest TLS handshake, with clients and with https backends, e.g. 10s.")
    var tlsHandshakeTimeout: String?
    @Option(help: "How long a body waits for a 100 Continue before it is sent anyway, e.g. 1s.")
    var expectContinueTimeout: String?

    /// The effective config; on invalid input prints every problem to stderr and exits with status 2.
    func resolveOrExit() throws -> SwitchyardConfig {
        do {
            return try resolve()
        } catch {
            var message = "switchyard: invalid configuration:\n"
            for issue in error.issues { message += "  \(issue)\n" }
            writeToStandardError(message)
            throw ExitCode(2)
        }
    }

    /// The config file in use, from `--config` or `SWITCHYARD_CONFIG`.
    var configFile: String? {
        config ?? Self.processEnvironment()["SWITCHYARD_CONFIG"]
    }

    /// The effective config from these flags, the environment and the config file, as read now (a reload reads
    /// the file again).
    func resolve() throws(ConfigErrors) -> SwitchyardConfig {
        let environment = Self.processEnvironment()
        var flags = FlatOptions(
            ips: ips, port: port, metricsPort: metricsPort, auth: auth, timeout: timeout,
            idleTimeout: idleTimeout, maxConnsPerIP: maxConnsPerIP, maxConnsTotal: maxConnsTotal,
            historyWindow: historyWindow, historySize: historySize, historyMaxTotalEntries: historyMaxTotalEntries,
            workers: workers, logLevel: logLevel, logFormat: logFormat, pidFile: pidFile, watch: watch ? "true" : nil
        )
        flags.healthCheckEnabled = healthCheckEnabled
        flags.healthCheckType = healthCheckType
        flags.healthCheckInterval = healthCheckInterval
        flags.healthCheckTimeout = healthCheckTimeout
        flags.healthCheckTarget = healthCheckTarget
        flags.healthCheckFailureThreshold = healthCheckFailureThreshold
        flags.healthCheckSuccessThreshold = healthCheckSuccessThreshold
        flags.circuitBreakerEnabled = circuitBreakerEnabled
        flags.cbFailureThreshold = cbFailureThreshold
        flags.cbSuccessThreshold = cbSuccessThreshold
        flags.cbTimeout = cbTimeout
        flags.idleConnTimeout = idleConnTimeout
        flags.tcpKeepalive = tcpKeepalive
        flags.tlsHandshakeTimeout = tlsHandshakeTimeout
        flags.expectContinueTimeout = expectContinueTimeout
        return try ConfigLoader.resolve(file: configFile, flags: flags, environment: environment)
    }

    private static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return result
    }
}

/// Writes `text` to standard error as it is.
func writeToStandardError(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
