import Foundation
import NIOCore
import Testing

/// CONNECT tunnels: curl -p, pipelined bytes, half-close and per-target limits.
@Suite(.timeLimit(.minutes(2)))
struct ForwardTunnelTests {
    @Test func curlThroughAConnectTunnel() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML()) { proxy, origin in
            let result = try Subprocess.curl(["-p", "-x", proxy.proxyURL, "http://127.0.0.1:\(origin.port)/ip"])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout == "127.0.0.1")
        }
    }

    @Test func bytesPipelinedAfterConnectAreRelayed() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML()) { proxy, _ in
            let echo = try await TCPServer.echo(group: proxy.group)
            defer { echo.close(promise: nil) }
            let port = echo.localAddress!.port!
            let client = try RawClient(port: proxy.port)
            try client.send("CONNECT 127.0.0.1:\(port) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\nearly-bytes")
            let reply = try client.receive(until: "early-bytes")
            #expect(reply.hasPrefix("HTTP/1.1 200 Connection Established\r\n"))
            #expect(reply.hasSuffix("\r\n\r\nearly-bytes"))
            try client.send("later")
            #expect(try client.receive(until: "later") == "later")
            client.shutdownWrite()
            #expect(try client.receiveAll() == "")
        }
    }

    @Test func connectWithoutPortIsABadRequest() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML()) { proxy, _ in
            let client = try RawClient(port: proxy.port)
            try client.send("CONNECT example.com HTTP/1.1\r\nHost: example.com\r\n\r\n")
            let reply = try client.receiveAll()
            #expect(reply.hasPrefix("HTTP/1.1 400"))
        }
    }

    @Test func perTargetLimitGives503AndReleasesOnClose() async throws {
        let yaml = ProxyHarness.forwardYAML(sourceIPs: ["127.0.0.2", "127.0.0.3"], maxConnectionsPerTarget: 1)
        try await withProxy(yaml: yaml) { proxy, _ in
            let echo = try await TCPServer.echo(group: proxy.group)
            defer { echo.close(promise: nil) }
            let port = echo.localAddress!.port!
            func openTunnel() throws -> (RawClient, String) {
                let client = try RawClient(port: proxy.port)
                try client.send("CONNECT 127.0.0.1:\(port) HTTP/1.1\r\n\r\n")
                return (client, try client.receive(until: "\r\n\r\n"))
            }
            let (first, firstReply) = try openTunnel()
            let (second, secondReply) = try openTunnel()
            #expect(firstReply.hasPrefix("HTTP/1.1 200"))
            #expect(secondReply.hasPrefix("HTTP/1.1 200"))
            let (_, thirdReply) = try openTunnel()
            #expect(thirdReply.hasPrefix("HTTP/1.1 503"))
            first.shutdownWrite()
            _ = try first.receiveAll()
            var fourthReply = ""
            for _ in 0..<50 {
                let (client, reply) = try openTunnel()
                fourthReply = reply
                if reply.hasPrefix("HTTP/1.1 200") {
                    client.shutdownWrite()
                    break
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(fourthReply.hasPrefix("HTTP/1.1 200"))
            _ = second
        }
    }

    @Test func listenerConnectionLimit() async throws {
        let yaml = ProxyHarness.forwardYAML(maxConnections: 1)
        try await withProxy(yaml: yaml) { proxy, origin in
            let holder = try RawClient(port: proxy.port)
            try holder.send("GET http://127.0.0.1:\(origin.port)/ HTTP/1.1\r\nHost: x\r\n\r\n")
            _ = try holder.receive(until: "ok")
            let refused = try RawClient(port: proxy.port)
            #expect(try refused.receiveAll().hasPrefix("HTTP/1.1 503"))
        }
    }
}

/// Idle timeouts: a kept-alive client connection and a tunnel that move no bytes are closed after `timeouts.idle`.
@Suite(.timeLimit(.minutes(1)))
struct IdleTimeoutTests {
    @Test func idleKeepAliveConnectionIsClosed() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML(idle: "1s")) { proxy, origin in
            let client = try RawClient(port: proxy.port)
            try client.send("GET http://127.0.0.1:\(origin.port)/ HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.receive(until: "ok").hasSuffix("ok"))
            let clock = ContinuousClock()
            let start = clock.now
            #expect(try client.receiveAll() == "", "closed by the proxy, not answered")
            #expect(clock.now - start >= .milliseconds(900))
        }
    }

    @Test func silentTunnelIsClosed() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML(idle: "1s")) { proxy, _ in
            let echo = try await TCPServer.echo(group: proxy.group)
            defer { echo.close(promise: nil) }
            let client = try RawClient(port: proxy.port)
            try client.send("CONNECT 127.0.0.1:\(echo.localAddress!.port!) HTTP/1.1\r\n\r\n")
            #expect(try client.receive(until: "\r\n\r\n").hasPrefix("HTTP/1.1 200"))
            try client.send("ping")
            #expect(try client.receive(until: "ping") == "ping")
            #expect(try client.receiveAll() == "", "the idle tunnel is closed")
        }
    }

    /// The relay's one deadline moves with every byte either way: a tunnel busier than the idle timeout lives on
    /// past it (the deadline the connection had before it became a tunnel is handed over, not left to fire), and
    /// is closed one timeout after its last byte.
    @Test func busyTunnelOutlivesTheIdleTimeoutAndClosesOneTimeoutAfterItsLastByte() async throws {
        try await withProxy(yaml: ProxyHarness.forwardYAML(idle: "2s")) { proxy, _ in
            let echo = try await TCPServer.echo(group: proxy.group)
            defer { echo.close(promise: nil) }
            let client = try RawClient(port: proxy.port)
            try client.send("CONNECT 127.0.0.1:\(echo.localAddress!.port!) HTTP/1.1\r\n\r\n")
            #expect(try client.receive(until: "\r\n\r\n").hasPrefix("HTTP/1.1 200"))
            for round in 0..<15 {  // 3 s of traffic, a byte every 200 ms (a thread sleep: it never oversleeps by seconds)
                usleep(200_000)
                try client.send("p\(round)")
                #expect(try client.receive(until: "p\(round)") == "p\(round)")
            }
            let clock = ContinuousClock()
            let lastByte = clock.now
            #expect(try client.receiveAll() == "", "closed once idle")
            let closedAfter = clock.now - lastByte
            #expect(closedAfter >= .milliseconds(1500) && closedAfter < .seconds(5), "\(closedAfter)")
        }
    }
}
