import Testing

/// Malformed, oversized and slow requests each get their own clear answer, and the proxy keeps serving.
@Suite(.timeLimit(.minutes(2)))
struct BadInputTests {
    private func stillServes(_ proxy: ProxyHarness, _ origin: TestOrigin) throws {
        let result = try Subprocess.curl(["-x", proxy.proxyURL, "http://127.0.0.1:\(origin.port)/"])
        #expect(result.stdout == "ok", "\(result.stderr)")
    }

    @Test func malformedRequestLineGets400() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML()) { proxy, origin in
            let client = try RawClient(port: proxy.port)
            try client.send("THIS IS NOT HTTP\r\n\r\n")
            let reply = try client.receiveAll()
            #expect(reply.hasPrefix("HTTP/1.1 400"))
            #expect(reply.contains("malformed request"))
            try stillServes(proxy, origin)
        }
    }

    @Test func originFormRequestGets400() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML()) { proxy, origin in
            let client = try RawClient(port: proxy.port)
            try client.send("GET /relative HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let reply = try client.receiveAll()
            #expect(reply.hasPrefix("HTTP/1.1 400"))
            #expect(reply.contains("absolute"))
            try stillServes(proxy, origin)
        }
    }

    @Test func oversizedHeadersGet431() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML()) { proxy, origin in
            let client = try RawClient(port: proxy.port)
            let big = String(repeating: "a", count: 40_000)
            try client.send("GET http://127.0.0.1:\(origin.port)/ HTTP/1.1\r\nHost: x\r\nX-Big: \(big)\r\n\r\n")
            let reply = try client.receiveAll()
            #expect(reply.hasPrefix("HTTP/1.1 431"))
            #expect(origin.requests.isEmpty)
            try stillServes(proxy, origin)
        }
    }

    @Test func aStalledUploadGets408AndGivesItsUpstreamSlotBack() async throws {
        let yaml = ProxyHarness.forwardYAML(maxConnectionsPerTarget: 1, idle: "1s")
        try await withProxy(yaml: yaml) { proxy, origin in
            let client = try RawClient(port: proxy.port)
            let start = ContinuousClock.now
            try client.send(
                "POST http://127.0.0.1:\(origin.port)/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789")
            let reply = try client.receiveAll()
            #expect(reply.hasPrefix("HTTP/1.1 408"), "\(reply)")
            #expect(reply.contains("request body stalled"))
            #expect(ContinuousClock.now - start < .seconds(5))
            try stillServes(proxy, origin)  // the one upstream slot is free again
        }
    }

    @Test func aClientThatStopsReadingIsClosedAndGivesItsUpstreamSlotBack() async throws {
        let yaml = ProxyHarness.forwardYAML(maxConnectionsPerTarget: 1, idle: "1s")
        try await withProxy(yaml: yaml) { proxy, origin in
            let client = try RawClient(port: proxy.port)
            let size = 200_000_000
            try client.send("GET http://127.0.0.1:\(origin.port)/bytes?n=\(size) HTTP/1.1\r\nHost: x\r\n\r\n")
            try await Task.sleep(for: .seconds(3))  // not reading: the proxy's socket buffers fill, then it waits
            try stillServes(proxy, origin)  // the one upstream slot was given back
            var received = 0
            while true {
                let chunk = try client.receive()
                if chunk.isEmpty { break }
                received += chunk.count
            }
            #expect(received < size, "the stalled response was cut off, not delivered whole")
        }
    }

    @Test func aSlowUploadIsNotASlowUpstream() async throws {
        // The upstream's time to answer (response_header: 1s) counts from the end of the body: a 2 s upload is fine.
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let yaml = ReverseSetup.yaml(
                routes: "      - { pool: web }",
                pools: [.init(name: "web", ports: [origin.port], extra: "    timeouts: { response_header: 1s }\n")])
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            let client = try RawClient(port: proxy.port)
            try client.send("POST /upload HTTP/1.1\r\nHost: web\r\nContent-Length: 20\r\nConnection: close\r\n\r\n")
            for _ in 0..<10 {
                try await Task.sleep(for: .milliseconds(200))
                try client.send("ab")
            }
            let reply = try client.receiveAll()
            #expect(reply.hasPrefix("HTTP/1.1 200"), "\(reply)")
            #expect(origin.requests.first?.bodyBytes == 20)
        }
    }

    @Test func slowHeadersGet408() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML(headerRead: "1s")) { proxy, origin in
            let client = try RawClient(port: proxy.port)
            let request = Array("GET http://127.0.0.1:\(origin.port)/ HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
            var reply = ""
            for byte in request {
                try client.send([byte])
                try await Task.sleep(for: .milliseconds(200))
                reply = String(decoding: client.receiveIfAvailable(), as: UTF8.self)
                if !reply.isEmpty { break }
            }
            #expect(reply.hasPrefix("HTTP/1.1 408"), "\(reply)")
            #expect(origin.requests.isEmpty)
            try stillServes(proxy, origin)
        }
    }
}
