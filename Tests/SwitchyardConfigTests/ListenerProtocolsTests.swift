import Testing

@testable import SwitchyardConfig

/// `protocols` and `tls` on egress listeners: what each mode serves, and the messages for combinations that make
/// no sense, with their field paths and lines.
@Suite struct ListenerProtocolsTests {
    private func listener(_ lines: String, mode: String = "forward") -> String {
        minimalYAML.replacing("mode: forward", with: "mode: \(mode)").replacing(
            "pool: outbound", with: "pool: outbound\n" + lines)
    }

    @Test func eachModeServesItsOwnProtocolUnlessToldOtherwise() throws {
        func served(_ yaml: String) throws -> [ProxyProtocol] {
            try ConfigLoader.parse(yaml: yaml, file: nil).listeners[0].servedProtocols
        }
        #expect(try served(minimalYAML) == [.http])
        #expect(try served(listener("", mode: "socks5")) == [.socks5])
        #expect(try served(listener("    protocols: [http, socks5]")) == [.http, .socks5])
        #expect(try served(listener("    protocols: [socks5]", mode: "socks5")) == [.socks5])
    }

    @Test func tlsIsAllowedOnForwardAndSOCKS5Listeners() throws {
        let tls = "    tls: { cert: server.pem, key: server.key, client_ca: ca.pem, client_auth: require }"
        for mode in ["forward", "socks5"] {
            let config = try ConfigLoader.parse(yaml: listener(tls, mode: mode), file: nil)
            #expect(config.listeners[0].tls?.clientAuth == .require)
        }
    }

    @Test func badCombinationsNameTheFieldAndLine() {
        #expect(
            issues(in: listener("    protocols: [http, socks5]", mode: "socks5")).map(\.description) == [
                "cfg.yaml:6: listeners[0].protocols: a socks5 listener serves SOCKS5 only; for HTTP and SOCKS5 on one "
                    + "port use mode: forward with protocols: [http, socks5]"
            ])
        #expect(
            issues(in: listener("    protocols: [http, socks4]")).map(\.description) == [
                "cfg.yaml:6: listeners[0].protocols[1]: \"socks4\" is not a protocol; expected one of http, socks5; "
                    + "did you mean \"socks5\"?"
            ])
        #expect(
            issues(in: listener("    protocols: [socks5, http, socks5]")).map(\.description) == [
                "cfg.yaml:6: listeners[0].protocols[2]: socks5 is listed twice"
            ])
        #expect(
            issues(in: listener("    protocols: []")).map(\.description) == [
                "cfg.yaml:6: listeners[0].protocols: must list at least one of http, socks5"
            ])
        #expect(
            issues(in: listener("    protocols: [http]", mode: "reverse")).map(\.description) == [
                "cfg.yaml:6: listeners[0].protocols: protocols belong to forward and socks5 listeners",
                "cfg.yaml:10: pools.outbound.targets[0].url: targets of a pool used by a reverse listener need a url",
            ])
        #expect(
            issues(in: listener("    tls: { cert: server.pem, key: server.key, client_auth: require }", mode: "socks5"))
                .map(\.description) == [
                    "cfg.yaml:6: listeners[0].tls.client_ca: client_auth require needs client_ca"
                ])
    }

    @Test func protocolsRenderAndLoadBack() throws {
        let config = try ConfigLoader.parse(yaml: listener("    protocols: [http, socks5]"), file: nil)
        let text = config.rendered(redactingSecrets: false)
        #expect(text.contains("    protocols: [http, socks5]\n"))
        #expect(try ConfigLoader.parse(yaml: text, file: "rendered.yaml") == config)
    }
}
