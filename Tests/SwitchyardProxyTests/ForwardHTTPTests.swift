import Foundation
import Testing

/// curl as the real client, through an in-process Switchyard, to an in-process origin.
@Suite(.timeLimit(.minutes(2)))
struct ForwardHTTPTests {
    @Test func getThroughTheProxy() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML()) { proxy, origin in
            let result = try Subprocess.curl(["-x", proxy.proxyURL, "http://127.0.0.1:\(origin.port)/hello"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == "ok")
            #expect(origin.requests.count == 1)
            #expect(origin.requests.first?.uri == "/hello")
            #expect(origin.requests.first?.headers["host"] == ["127.0.0.1:\(origin.port)"])
        }
    }

    @Test func postOf10MiBArrivesIntact() async throws {
        let size = 10 * 1024 * 1024
        var bytes = [UInt8](repeating: 0, count: size)
        var state: UInt64 = 42
        for index in bytes.indices {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes[index] = UInt8(truncatingIfNeeded: state >> 33)
        }
        var expected: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { expected = (expected ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-post-\(UUID().uuidString)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        try await withProxy(yaml: ProxyHarness.forwardYAML()) { proxy, origin in
            for transfer in [["--data-binary", "@\(file.path)"], ["--data-binary", "@\(file.path)", "-H", "Transfer-Encoding: chunked"]] {
                let result = try Subprocess.curl(["-x", proxy.proxyURL] + transfer + ["http://127.0.0.1:\(origin.port)/upload"])
                #expect(result.status == 0, "\(result.stderr)")
                #expect(result.stdout == "\(size) \(expected)")
            }
        }
    }

    @Test func continueResponsesAreRelayed() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML()) { proxy, origin in
            // curl holds the body until it sees 100 Continue (or its 60 s expect timeout): only a relayed 100 is fast.
            let clock = ContinuousClock()
            let start = clock.now
            let result = try Subprocess.curl([
                "-x", proxy.proxyURL, "-H", "Expect: 100-continue", "--expect100-timeout", "60",
                "--data-binary", "hello", "http://127.0.0.1:\(origin.port)/upload",
            ])
            #expect(result.stdout.hasPrefix("5 "), "\(result.stderr)")
            #expect(clock.now - start < .seconds(30))
        }
    }

    @Test func downloadStreamsThrough() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML()) { proxy, origin in
            let result = try Subprocess.curl(
                ["-x", proxy.proxyURL, "-o", "/dev/null", "-w", "%{http_code} %{size_download}",
                 "http://127.0.0.1:\(origin.port)/bytes?n=20000000"]
            )
            #expect(result.stdout == "200 20000000", "\(result.stderr)")
        }
    }

    @Test func keepAliveClientSendsSeveralRequestsOverOneConnection() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML()) { proxy, origin in
            let url = "http://127.0.0.1:\(origin.port)/ip"
            let result = try Subprocess.curl(["-x", proxy.proxyURL, "-w", " %{num_connects}\\n", url, url, url])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == "127.0.0.1 1\n127.0.0.1 0\n127.0.0.1 0\n")
            #expect(origin.requests.count == 3)
        }
    }

    @Test func hopByHopHeadersAndProxyCredentialsNeverReachTheTarget() async throws {
        let yaml = ProxyHarness.forwardYAML(auth: ("alice", "s3cret"))
        try await withProxy(yaml: yaml) { proxy, origin in
            let result = try Subprocess.curl([
                "-x", proxy.proxyURL, "--proxy-user", "alice:s3cret",
                "-H", "Connection: X-Secret-Hop", "-H", "X-Secret-Hop: 1", "-H", "Keep-Alive: timeout=5",
                "-H", "X-End-To-End: kept",
                "http://127.0.0.1:\(origin.port)/",
            ])
            #expect(result.stdout == "ok", "\(result.stderr)")
            let headers = try #require(origin.requests.first).headers
            #expect(headers["proxy-authorization"].isEmpty)
            #expect(headers["x-secret-hop"].isEmpty)
            #expect(headers["keep-alive"].isEmpty)
            #expect(headers["proxy-connection"].isEmpty)
            #expect(headers["x-end-to-end"] == ["kept"])
            #expect(headers["via"].isEmpty)
            #expect(headers["x-forwarded-for"].isEmpty)
        }
    }

    @Test func proxyAuthentication() async throws {
        let yaml = ProxyHarness.forwardYAML(auth: ("alice", "s3cret"))
        try await withProxy(yaml: yaml) { proxy, origin in
            let url = "http://127.0.0.1:\(origin.port)/"
            let none = try Subprocess.curl(["-x", proxy.proxyURL, "-i", url])
            #expect(none.stdout.hasPrefix("HTTP/1.1 407"))
            #expect(none.stdout.lowercased().contains("proxy-authenticate: basic realm=\"switchyard\""))
            let wrong = try Subprocess.curl(["-x", proxy.proxyURL, "--proxy-user", "alice:nope", "-o", "/dev/null", "-w", "%{http_code}", url])
            #expect(wrong.stdout == "407")
            let right = try Subprocess.curl(["-x", proxy.proxyURL, "--proxy-user", "alice:s3cret", url])
            #expect(right.stdout == "ok")
            let tunnelWrong = try Subprocess.curl(["-p", "-x", proxy.proxyURL, "--proxy-user", "bob:s3cret", url])
            #expect(tunnelWrong.status != 0)
            #expect(tunnelWrong.stderr.contains("407"))
            let tunnelRight = try Subprocess.curl(["-p", "-x", proxy.proxyURL, "--proxy-user", "alice:s3cret", url])
            #expect(tunnelRight.stdout == "ok")
            #expect(origin.requests.count == 2)
        }
    }

    @Test func refusedUpstreamGives502() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML()) { proxy, origin in
            let deadPort = try await TestOrigin.start(group: proxy.group)
            let port = deadPort.port
            await deadPort.stop()
            let result = try Subprocess.curl(["-x", proxy.proxyURL, "-i", "http://127.0.0.1:\(port)/"])
            #expect(result.stdout.hasPrefix("HTTP/1.1 502"))
            #expect(result.stdout.contains("connection refused"))
            let again = try Subprocess.curl(["-x", proxy.proxyURL, "http://127.0.0.1:\(origin.port)/"])
            #expect(again.stdout == "ok")
        }
    }
}
