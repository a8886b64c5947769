import Testing

/// Seed 000's whole command line as a shorthand: every flag of its README is accepted by the binary and shows, with
/// the value given, in `switchyard check`.
@Suite(.timeLimit(.minutes(1)))
struct SeedFlagsTests {
    @Test func everySeedFlagIsAcceptedAndShowsInCheck() throws {
        let flags: [(flag: String, value: String, shows: String)] = [
            ("--ips", "127.0.0.2,127.0.0.3", "source_ip: \"127.0.0.3\""),
            ("--port", "3129", "listen: \"127.0.0.1:3129\""),
            ("--metrics-port", "9091", "listen: \"127.0.0.1:9091\""),
            ("--auth", "alice:secret", "username: \"alice\""),
            ("--timeout", "31s", "connect: 31s"),
            ("--idle-timeout", "61s", "idle: 1m1s"),
            ("--max-conns-per-ip", "101", "max_connections_per_target: 101"),
            ("--max-conns-total", "1001", "max_connections: 1001"),
            ("--history-window", "6m", "history_window: 6m"),
            ("--history-size", "101", "history_size: 101"),
            ("--history-max-total-entries", "100001", "history_max_total_entries: 100001"),
            ("--workers", "3", "workers: 3"),
            ("--log-level", "warn", "level: warn"),
            ("--log-format", "text", "format: text"),
            ("--tcp-keepalive", "31s", "tcp_keepalive: 31s"),
            ("--idle-conn-timeout", "91s", "idle_timeout: 1m31s"),
            ("--tls-handshake-timeout", "11s", "tls_handshake_timeout: 11s"),
            ("--expect-continue-timeout", "2s", "expect_continue_timeout: 2s"),
            ("--circuit-breaker-enabled", "true", "circuit_breaker:"),
            ("--cb-failure-threshold", "6", "failure_threshold: 6"),
            ("--cb-success-threshold", "4", "success_threshold: 4"),
            ("--cb-timeout", "32s", "timeout: 32s"),
            ("--health-check-enabled", "true", "health_check:"),
            ("--health-check-type", "tcp", "type: tcp"),
            ("--health-check-interval", "12s", "interval: 12s"),
            ("--health-check-timeout", "6s", "timeout: 6s"),
            ("--health-check-target", "127.0.0.1:443", "target: \"127.0.0.1:443\""),
            ("--health-check-failure-threshold", "5", "failure_threshold: 5"),
            ("--health-check-success-threshold", "3", "success_threshold: 3"),
        ]
        let result = try Subprocess.run(SwitchyardProcess.binaryPath, ["check"] + flags.flatMap { [$0.flag, $0.value] })
        #expect(result.status == 0, "\(result.stderr)")
        for (flag, _, shows) in flags {
            #expect(result.stdout.contains(shows), "\(flag) shows as \(shows)")
        }
        #expect(result.stdout.hasSuffix("# config OK: 1 listener(s), 1 pool(s)\n"))
    }
}
