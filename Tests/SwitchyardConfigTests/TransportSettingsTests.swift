import Testing

@testable import SwitchyardConfig

/// The `transport` block: seed 000's `--tcp-keepalive`, `--tls-handshake-timeout` and `--expect-continue-timeout`,
/// from the file, the flags and the environment, shown by `switchyard check`.
@Suite struct TransportSettingsTests {
    @Test func theSeedsDefaultsApplyWithoutABlock() throws {
        let config = try ConfigLoader.parse(yaml: minimalYAML, file: nil)
        #expect(config.transport == TransportSettings(
            tcpKeepalive: .seconds(30), tlsHandshakeTimeout: .seconds(10), expectContinueTimeout: .seconds(1)))
    }

    @Test func theFileSetsEachAndKeepaliveTurnsOffWithZeroOrOff() throws {
        let yaml = "transport: { tcp_keepalive: 45s, tls_handshake_timeout: 3s, expect_continue_timeout: 250ms }\n"
        let config = try ConfigLoader.parse(yaml: yaml + minimalYAML, file: nil)
        #expect(config.transport == TransportSettings(
            tcpKeepalive: .seconds(45), tlsHandshakeTimeout: .seconds(3), expectContinueTimeout: .milliseconds(250)))
        for off in ["0", "off", "0s"] {
            let disabled = try ConfigLoader.parse(yaml: "transport: { tcp_keepalive: \(off) }\n" + minimalYAML, file: nil)
            #expect(disabled.transport.tcpKeepalive == .zero, "\(off)")
        }
    }

    @Test func flagsBeatTheEnvironmentAndBothShowInCheck() throws {
        var flags = FlatOptions()
        flags.tcpKeepalive = "off"
        flags.tlsHandshakeTimeout = "2s"
        let environment = [
            "SWITCHYARD_TCP_KEEPALIVE": "15s", "SWITCHYARD_EXPECT_CONTINUE_TIMEOUT": "500ms",
            "SWITCHYARD_TLS_HANDSHAKE_TIMEOUT": "9s",
        ]
        let config = try ConfigLoader.resolve(file: nil, flags: flags, environment: environment)
        #expect(config.transport == TransportSettings(
            tcpKeepalive: .zero, tlsHandshakeTimeout: .seconds(2), expectContinueTimeout: .milliseconds(500)))
        let rendered = config.rendered()
        #expect(rendered.contains("transport:\n  tcp_keepalive: 0s\n  tls_handshake_timeout: 2s\n  expect_continue_timeout: 500ms\n"))
        #expect(try ConfigLoader.parse(yaml: rendered, file: nil).transport == config.transport, "check's output loads back")
    }

    @Test func badValuesNameTheFieldOrTheFlag() {
        let yaml = "transport: { tcp_keepalive: 500ms, tls_handshake_timeout: 0s, expect_continue_timeout: 5 }\n"
        let found = issues(in: yaml + minimalYAML).map(\.description)
        #expect(found.contains { $0.contains("transport.tcp_keepalive: must be 0 (off) or at least 1s, got 500ms") })
        #expect(found.contains { $0.contains("transport.tls_handshake_timeout: must be greater than 0") })
        #expect(found.contains { $0.contains("transport.expect_continue_timeout:") && $0.contains("has no unit") })
        var flags = FlatOptions()
        flags.tcpKeepalive = "soon"
        #expect(resolveIssues(file: nil, flags: flags).map(\.description).contains {
            $0.hasPrefix("--tcp-keepalive: \"soon\" is not a duration") && $0.hasSuffix("or 0 / off for none")
        })
    }
}
