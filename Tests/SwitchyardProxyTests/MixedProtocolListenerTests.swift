import Testing

/// A forward listener with `protocols: [http, socks5]`: HTTP proxy clients and SOCKS5 clients on one port, told
/// apart by their first byte, sharing the listener's pool, users, destination policy and counts — in clear and
/// over TLS.
@Suite(.timeLimit(.minutes(2)))
struct MixedProtocolListenerTests {
    private func yaml(auth: (String, String)? = nil, extra: String = "") -> String {
        ProxyHarness.forwardYAML(
            sourceIPs: ["127.0.0.2"], policy: "round-robin", auth: auth, headerRead: "500ms",
            listenerExtra: "    protocols: [http, socks5]\n" + extra)
    }

    @Test func curlSpeaksHTTPAndSOCKS5ToTheSamePort() async throws {
        try await withProxy(yaml: yaml()) { proxy, origin in
            let url = "http://127.0.0.1:\(origin.port)/ip"
            let plain = try Subprocess.curl(["-x", "http://127.0.0.1:\(proxy.port)", url])
            let tunnelled = try Subprocess.curl(["-p", "-x", "http://127.0.0.1:\(proxy.port)", url])
            let socks = try Subprocess.curl(["--socks5-hostname", "127.0.0.1:\(proxy.port)", url])
            for result in [plain, tunnelled, socks] { #expect(result.stdout == "127.0.0.2", "\(result.stderr)") }
            #expect(origin.requests.count == 3)
            #expect(try await eventually {
                let metrics = proxy.runtime.metricsText()
                let counted = #"switchyard_requests_total{listener="egress",method="#
                return metrics.contains(counted + #""GET",status="200"} 1"#)
                    && metrics.contains(counted + #""CONNECT",status="200"} 2"#)
            })
            let silent = try RawClient(port: proxy.port)
            #expect(try silent.receiveAll().isEmpty, "a client that never speaks is closed after header_read")
            #expect(try await proxy.activeConnectionsReturnToZero(within: 5))
        }
    }

    @Test func bothProtocolsLogInAsTheListenersUsers() async throws {
        try await withProxy(yaml: yaml(auth: ("alice", "alice-password"))) { proxy, origin in
            let url = "http://127.0.0.1:\(origin.port)/ip"
            func through(_ proxyURL: String) throws -> String {
                try Subprocess.curl(["-p", "--proxy", proxyURL, url]).stdout
            }
            #expect(try through("http://alice:alice-password@127.0.0.1:\(proxy.port)") == "127.0.0.2")
            #expect(try through("socks5h://alice:alice-password@127.0.0.1:\(proxy.port)") == "127.0.0.2")
            let basic = try Subprocess.curl([
                "--socks5-hostname", "127.0.0.1:\(proxy.port)", "--socks5-basic",
                "--proxy-user", "alice:alice-password", url,
            ])
            #expect(basic.stdout == "127.0.0.2", "\(basic.stderr)")
            for refused in [
                "http://alice:guess@127.0.0.1:\(proxy.port)", "socks5h://alice:guess@127.0.0.1:\(proxy.port)",
                "http://127.0.0.1:\(proxy.port)", "socks5h://127.0.0.1:\(proxy.port)",
            ] {
                #expect(try through(refused).isEmpty, "\(refused)")
            }
            #expect(origin.requests.count == 3)
            #expect(try await eventually {
                proxy.runtime.metricsText().contains(
                    #"switchyard_requests_total{listener="egress",method="CONNECT",status="407"} 3"#)
            })
        }
    }

    @Test func bothProtocolsOverTLS() async throws {
        let pki = try TestCertificates.withServer()
        defer { pki.remove() }
        let tls = "    tls: { cert: \"\(pki.directory)/server.pem\", key: \"\(pki.directory)/server.key\" }\n"
        try await withProxy(yaml: yaml(extra: tls)) { proxy, origin in
            let https = try Subprocess.curl(
                ["-p", "--proxy", "https://127.0.0.1:\(proxy.port)", "--proxy-cacert", pki.caPath,
                 "http://127.0.0.1:\(origin.port)/ip"])
            #expect(https.stdout == "127.0.0.2", "\(https.stderr)")
            let socks = try SOCKSOverTLS.get(proxyPort: proxy.port, originPort: origin.port, ca: pki.caPath)
            #expect(socks.stdout == "127.0.0.2", "\(socks.stderr)")
            #expect(origin.requests.count == 2)
        }
    }
}
