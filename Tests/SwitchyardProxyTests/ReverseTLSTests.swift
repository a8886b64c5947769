import Testing

/// TLS and mTLS on a reverse listener, with certificates that change on disk while it runs.
@Suite(.timeLimit(.minutes(2)))
struct ReverseTLSTests {
    private func yaml(_ pki: TestCertificates, backend: Int, clientAuth: String) -> String {
        """
        log: { level: error, format: text }
        listeners:
          - name: web
            mode: reverse
            listen: "127.0.0.1:0"
            pool: web
            tls: { cert: "\(pki.directory)/server.pem", key: "\(pki.directory)/server.key", client_ca: "\(pki.caPath)", client_auth: \(clientAuth) }
        pools:
          web: { targets: [ { url: "http://127.0.0.1:\(backend)" } ] }
        """
    }

    @Test func servesHTTPSAndPicksUpANewCertificateWithoutRestarting() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        try pki.issueServer(commonName: "first", into: "server")
        try pki.issueServer(commonName: "second", into: "rotated")
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let proxy = resources.track(try await ProxyHarness(yaml: yaml(pki, backend: origin.port, clientAuth: "none")))
            let url = "https://127.0.0.1:\(proxy.port)/"

            let first = try Subprocess.curl(["-v", "--cacert", pki.caPath, url])
            #expect(first.stdout == "ok", "\(first.stderr)")
            #expect(first.stderr.contains("CN=first"))
            #expect(origin.requests.first?.headers["x-forwarded-proto"] == ["https"])
            let untrusted = try Subprocess.curl([url])
            #expect(untrusted.status != 0, "a client without the CA refuses the certificate")

            try pki.replace("server", with: "rotated")
            var served = ""
            for _ in 0..<50 {
                served = try Subprocess.curl(["-v", "--cacert", pki.caPath, url]).stderr
                if served.contains("CN=second") { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(served.contains("CN=second"), "the rotated certificate is served without a restart")
        }
    }

    @Test func requiredClientCertificates() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        try pki.issueServer(commonName: "server", into: "server")
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let proxy = resources.track(try await ProxyHarness(yaml: yaml(pki, backend: origin.port, clientAuth: "require")))
            let url = "https://127.0.0.1:\(proxy.port)/"

            let anonymous = try Subprocess.curl(["--cacert", pki.caPath, url])
            #expect(anonymous.status != 0, "no client certificate: refused")
            #expect(origin.requests.isEmpty)
            let authenticated = try Subprocess.curl(
                ["--cacert", pki.caPath, "--cert", pki.clientCertificate, "--key", pki.clientKey, url])
            #expect(authenticated.stdout == "ok", "\(authenticated.stderr)")
            #expect(origin.requests.count == 1)
        }
    }
}
