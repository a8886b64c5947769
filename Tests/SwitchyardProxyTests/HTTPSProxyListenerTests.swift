import SwitchyardConfig
import Testing

/// Forward and SOCKS5 listeners that clients reach over TLS (`tls:` as on reverse listeners): curl's
/// `--proxy https://` for HTTP requests and CONNECT, a Python TLS client for SOCKS5 (curl has no SOCKS over TLS),
/// client certificates when `client_auth` requires them, and certificates reloaded while the listener runs.
@Suite(.timeLimit(.minutes(2)))
struct HTTPSProxyListenerTests {
    private func yaml(_ pki: TestCertificates, clientAuth: String = "none", mode: String = "forward") -> String {
        let tls = """
                tls: { cert: "\(pki.directory)/server.pem", key: "\(pki.directory)/server.key", \
            client_ca: "\(pki.caPath)", client_auth: \(clientAuth) }

            """
        return ProxyHarness.forwardYAML(sourceIPs: ["127.0.0.2"], headerRead: "2s", listenerExtra: tls)
            .replacingOccurrences(of: "mode: forward", with: "mode: \(mode)")
    }

    @Test func curlSendsRequestsAndTunnelsOverTLSAndTheCertificateReloads() async throws {
        let pki = try TestCertificates.withServer(commonName: "first")
        defer { pki.remove() }
        try pki.issueServer(commonName: "second", into: "rotated")
        try await withProxy(yaml: yaml(pki)) { proxy, origin in
            let url = "http://127.0.0.1:\(origin.port)/ip"
            let https = ["--proxy", "https://127.0.0.1:\(proxy.port)", "--proxy-cacert", pki.caPath]
            let plain = try Subprocess.curl(["-v"] + https + [url])
            #expect(plain.stdout == "127.0.0.2", "\(plain.stderr)")
            #expect(plain.stderr.contains("CN=first"))
            let tunnelled = try Subprocess.curl(["-p"] + https + [url])
            #expect(tunnelled.stdout == "127.0.0.2", "\(tunnelled.stderr)")
            #expect(origin.requests.map(\.method) == [.GET, .GET])
            let untrusted = try Subprocess.curl(["--proxy", "https://127.0.0.1:\(proxy.port)", url])
            #expect(untrusted.status != 0, "a client without the CA refuses the proxy's certificate")
            let cleartext = try Subprocess.curl(["-x", "http://127.0.0.1:\(proxy.port)", url])
            #expect(cleartext.stdout.isEmpty, "a client speaking plain HTTP gets nothing through")
            #expect(origin.requests.count == 2)

            try pki.replace("server", with: "rotated")
            var served = ""
            for _ in 0..<50 {
                served = try Subprocess.curl(["-v"] + https + [url]).stderr
                if served.contains("CN=second") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(served.contains("CN=second"), "the rotated certificate is served without a restart")
            #expect(try await eventually {
                proxy.runtime.metricsText().contains(
                    #"switchyard_requests_total{listener="egress",method="CONNECT",status="200"} 1"#)
            })
        }
    }

    @Test func requiredClientCertificatesOnAForwardListener() async throws {
        let pki = try TestCertificates.withServer()
        defer { pki.remove() }
        try await withProxy(yaml: yaml(pki, clientAuth: "require")) { proxy, origin in
            let url = "http://127.0.0.1:\(origin.port)/ip"
            let https = ["--proxy", "https://127.0.0.1:\(proxy.port)", "--proxy-cacert", pki.caPath]
            let anonymous = try Subprocess.curl(https + [url])
            let anonymousTunnel = try Subprocess.curl(["-p"] + https + [url])
            #expect(anonymous.status != 0 && anonymousTunnel.status != 0, "no client certificate: refused")
            #expect(origin.requests.isEmpty)
            let certificate = ["--proxy-cert", pki.clientCertificate, "--proxy-key", pki.clientKey]
            let authenticated = try Subprocess.curl(https + certificate + [url])
            let tunnelled = try Subprocess.curl(["-p"] + https + certificate + [url])
            #expect(authenticated.stdout == "127.0.0.2", "\(authenticated.stderr)")
            #expect(tunnelled.stdout == "127.0.0.2", "\(tunnelled.stderr)")
            #expect(origin.requests.count == 2)
        }
    }

    @Test func aReloadTurnsAPlainForwardListenerIntoAnHTTPSOneServingBothProtocols() async throws {
        let pki = try TestCertificates.withServer()
        defer { pki.remove() }
        let plainYAML = ProxyHarness.forwardYAML(sourceIPs: ["127.0.0.2"])
        try await withProxy(yaml: plainYAML) { proxy, origin in
            let url = "http://127.0.0.1:\(origin.port)/ip"
            #expect(try Subprocess.curl(["-x", "http://127.0.0.1:\(proxy.port)", url]).stdout == "127.0.0.2")
            var next = proxy.runtime.config
            next.listeners[0].tls = ListenerTLSSettings(
                cert: "\(pki.directory)/server.pem", key: "\(pki.directory)/server.key")
            next.listeners[0].protocols = [.http, .socks5]
            try proxy.runtime.reload(next)

            let https = try Subprocess.curl(
                ["--proxy", "https://127.0.0.1:\(proxy.port)", "--proxy-cacert", pki.caPath, url])
            #expect(https.stdout == "127.0.0.2", "\(https.stderr)")
            let socks = try SOCKSOverTLS.get(proxyPort: proxy.port, originPort: origin.port, ca: pki.caPath)
            #expect(socks.stdout == "127.0.0.2", "\(socks.stderr)")
            #expect(try Subprocess.curl(["-x", "http://127.0.0.1:\(proxy.port)", url]).stdout.isEmpty)
            #expect(origin.requests.count == 3)
        }
    }

    @Test func socks5OverTLSWithRequiredClientCertificates() async throws {
        let pki = try TestCertificates.withServer()
        defer { pki.remove() }
        try await withProxy(yaml: yaml(pki, clientAuth: "require", mode: "socks5")) { proxy, origin in
            let anonymous = try SOCKSOverTLS.get(proxyPort: proxy.port, originPort: origin.port, ca: pki.caPath)
            #expect(anonymous.status != 0 && anonymous.stdout.isEmpty, "no client certificate: refused")
            #expect(origin.requests.isEmpty)
            let authenticated = try SOCKSOverTLS.get(
                proxyPort: proxy.port, originPort: origin.port, ca: pki.caPath,
                certificate: (pki.clientCertificate, pki.clientKey))
            #expect(authenticated.stdout == "127.0.0.2", "\(authenticated.stderr)")
            let cleartext = try RawClient(port: proxy.port)
            try cleartext.send([0x05, 0x01, 0x00])
            #expect(try cleartext.receiveAll().utf8.first != 0x05, "a SOCKS5 client without TLS gets no SOCKS reply")
            #expect(try await eventually {
                proxy.runtime.metricsText().contains(
                    #"switchyard_requests_total{listener="egress",method="CONNECT",status="200"} 1"#)
            })
        }
    }
}

/// A SOCKS5 client over TLS (Python's `ssl`): asks a SOCKS5-over-TLS proxy for `GET /ip` of an origin on
/// 127.0.0.1 and prints the body.
enum SOCKSOverTLS {
    private static let script = #"""
        import socket, ssl, sys
        port, origin, ca = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
        context = ssl.create_default_context(cafile=ca)
        if len(sys.argv) > 5:
            context.load_cert_chain(sys.argv[4], sys.argv[5])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                tls.sendall(b"\x05\x01\x00")
                assert tls.recv(2) == b"\x05\x00", "method"
                tls.sendall(b"\x05\x01\x00\x01\x7f\x00\x00\x01" + origin.to_bytes(2, "big"))
                reply = tls.recv(10)
                assert reply[:2] == b"\x05\x00", reply
                tls.sendall(b"GET /ip HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                answer = b""
                while b"\r\n\r\n" not in answer:
                    answer += tls.recv(65536)
                head, body = answer.split(b"\r\n\r\n", 1)
                fields = dict(line.split(b":", 1) for line in head.split(b"\r\n")[1:])
                length = int({name.lower(): value for name, value in fields.items()}[b"content-length"])
                while len(body) < length:
                    body += tls.recv(65536)
                print(body.decode(), end="")
        """#

    static func get(
        proxyPort: Int, originPort: Int, ca: String, certificate: (path: String, key: String)? = nil
    ) throws -> Subprocess.Output {
        let files = certificate.map { [$0.path, $0.key] } ?? []
        return try Subprocess.run(
            "/usr/bin/timeout", ["30", "python3", "-c", script, "\(proxyPort)", "\(originPort)", ca] + files)
    }
}
