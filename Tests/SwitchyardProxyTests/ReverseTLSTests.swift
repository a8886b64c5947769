import NIOSSL
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

/// `https://` backends: verified against the configured CA by default, refused when untrusted, accepted
/// unverified only with `tls_verify: false`.
@Suite(.timeLimit(.minutes(2)))
struct HTTPSBackendTests {
    @Test func backendCertificatesAreVerified() async throws {
        let pki = try TestCertificates()
        defer { pki.remove() }
        try pki.issueServer(commonName: "backend", into: "backend")
        try await withResources { resources in
            let context = try NIOSSLContext(
                configuration: .makeServerConfiguration(
                    certificateChain: try NIOSSLCertificate.fromPEMFile("\(pki.directory)/backend.pem").map { .certificate($0) },
                    privateKey: .privateKey(try NIOSSLPrivateKey(file: "\(pki.directory)/backend.key", format: .pem))
                ))
            let origin = resources.track(try await TestOrigin.start(group: resources.group, tls: context))
            let url = "https://localhost:\(origin.port)"
            let yaml = """
                log: { level: error, format: text }
                listeners:
                  - name: web
                    mode: reverse
                    listen: "127.0.0.1:0"
                    routes:
                      - { match: { path_prefix: "/trusted" }, pool: trusted }
                      - { match: { path_prefix: "/untrusted" }, pool: untrusted }
                      - { match: { path_prefix: "/insecure" }, pool: insecure }
                pools:
                  trusted: { ca: "\(pki.caPath)", targets: [ { url: "\(url)" } ] }
                  untrusted: { retries: { attempts: 0 }, targets: [ { url: "\(url)" } ] }
                  insecure: { tls_verify: false, targets: [ { url: "\(url)" } ] }
                """
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            func status(_ path: String) throws -> String {
                try Subprocess.curl(["-o", "/dev/null", "-w", "%{http_code}", "\(proxy.proxyURL)\(path)"]).stdout
            }
            let trusted = try status("/trusted")
            let untrusted = try status("/untrusted")
            let insecure = try status("/insecure")
            #expect(trusted == "200")
            #expect(untrusted == "502")
            #expect(insecure == "200")
            #expect(origin.requests.map(\.uri) == ["/trusted", "/insecure"])
        }
    }
}
