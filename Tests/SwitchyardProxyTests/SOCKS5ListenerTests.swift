import Testing

/// The `socks5` listener end to end with curl as the client: the same egress pool, destination policy and
/// accounting as a forward listener, RFC 1929 logins, and RFC 1928 reply codes for what it refuses.
@Suite(.timeLimit(.minutes(2)))
struct SOCKS5ListenerTests {
    private func yaml(
        users: Bool = false, destinations: String = ProxyHarness.loopbackDestinations, maxConnections: Int = 100
    ) -> String {
        let auth = users ? "    auth: { users: [ { username: alice, password: \"alice-password\" } ] }\n" : ""
        return """
            log: { level: error, format: text }
            listeners:
              - name: socks
                mode: socks5
                listen: "127.0.0.1:0"
                pool: outbound
                max_connections: \(maxConnections)
                destinations: \(destinations)
            \(auth)    timeouts: { connect: 5s, idle: 60s, header_read: 500ms, shutdown: 5s }
            pools:
              outbound:
                policy: round-robin
                targets: [ { source_ip: 127.0.0.2 }, { source_ip: 127.0.0.3 } ]

            """
    }

    @Test func curlReachesTheOriginThroughTheEgressTargetsAndEachTunnelIsCountedOnce() async throws {
        try await withProxy(yaml: yaml()) { proxy, origin in
            let url = "http://127.0.0.1:\(origin.port)/ip"
            for _ in 0..<4 {
                let result = try Subprocess.curl(["-s", "--socks5-hostname", "127.0.0.1:\(proxy.port)", url])
                #expect(["127.0.0.2", "127.0.0.3"].contains(result.stdout), "\(result.stdout) \(result.stderr)")
            }
            #expect(Set(origin.requests.map(\.sourceIP)) == ["127.0.0.2", "127.0.0.3"], "both targets take tunnels")
            #expect(try await eventually {
                proxy.runtime.metricsText().contains(
                    #"switchyard_requests_total{listener="socks",method="CONNECT",status="200"} 4"#)
            })
        }
    }

    @Test func usersMustLogInWithUsernameAndPassword() async throws {
        try await withProxy(yaml: yaml(users: true)) { proxy, origin in
            let url = "http://127.0.0.1:\(origin.port)/ip"
            let good = try Subprocess.curl(["-s", "--proxy", "socks5h://alice:alice-password@127.0.0.1:\(proxy.port)", url])
            #expect(["127.0.0.2", "127.0.0.3"].contains(good.stdout), "\(good.stderr)")
            let wrong = try Subprocess.curl(["-s", "--proxy", "socks5h://alice:guess@127.0.0.1:\(proxy.port)", url])
            #expect(wrong.status != 0 && wrong.stdout.isEmpty)
            let anonymous = try Subprocess.curl(["-s", "--socks5-hostname", "127.0.0.1:\(proxy.port)", url])
            #expect(anonymous.status != 0 && anonymous.stdout.isEmpty)
            #expect(origin.requests.count == 1, "only the logged-in client got through")
            #expect(try await eventually {
                proxy.runtime.metricsText().contains(
                    #"switchyard_requests_total{listener="socks",method="CONNECT",status="407"} 1"#)
            })
        }
    }

    /// Byte-level, RFC 1929: a refused login is told so (status 0x01) before the close. Found by the `socks5` fuzz
    /// target: the status used to be written but never flushed, so the client saw only the close.
    @Test func aRefusedLoginIsAnsweredBeforeTheClose() async throws {
        try await withProxy(yaml: yaml(users: true)) { proxy, _ in
            let client = try RawClient(port: proxy.port)
            try client.send([0x05, 0x01, 0x02])
            #expect(try client.receive() == [0x05, 0x02])
            try client.send([0x01, 0x05] + Array("alice".utf8) + [0x05] + Array("guess".utf8))
            #expect(Array(try client.receiveAll().utf8) == [0x01, 0x01])
        }
    }

    /// Byte-level: a client that sends its whole handshake at once, without waiting for each answer, is answered
    /// all the same (NIOSOCKS frames one message per read, so the rest used to wait for `header_read`).
    @Test(arguments: [false, true])
    func aHandshakeSentAtOnceIsAnswered(users: Bool) async throws {
        try await withProxy(yaml: yaml(users: users, destinations: "{ allow_private: false }")) { proxy, origin in
            let port = UInt16(origin.port)
            let request: [UInt8] = [0x05, 0x01, 0x00, 0x01, 127, 0, 0, 1, UInt8(port >> 8), UInt8(port & 0xFF)]
            let login = [0x01, 0x05] + Array("alice".utf8) + [0x0E] + Array("alice-password".utf8)
            let client = try RawClient(port: proxy.port)
            try client.send(users ? [0x05, 0x01, 0x02] + login + request : [0x05, 0x01, 0x00] + request)
            let answers = Array(try client.receiveAll().utf8)
            let expected: [UInt8] = users ? [0x05, 0x02, 0x01, 0x00, 0x05, 0x02] : [0x05, 0x00, 0x05, 0x02]
            #expect(Array(answers.prefix(expected.count)) == expected, "the method, the login, then 0x02 (loopback)")
        }
    }

    /// Byte-level: the reply codes of RFC 1928 for a denied destination (0x02), BIND (0x07), and a handshake that
    /// never finishes (closed after `header_read`).
    @Test func refusalsGetTheirReplyCodes() async throws {
        try await withProxy(yaml: yaml(destinations: "{ allow_private: false }")) { proxy, origin in
            let port = UInt16(origin.port)
            func ask(_ command: UInt8) throws -> [UInt8] {
                let client = try RawClient(port: proxy.port)
                try client.send([0x05, 0x01, 0x00])
                #expect(try client.receive() == [0x05, 0x00])
                try client.send([0x05, command, 0x00, 0x01, 127, 0, 0, 1, UInt8(port >> 8), UInt8(port & 0xFF)])
                return try client.receive()
            }
            #expect(try ask(0x01).prefix(2) == [0x05, 0x02], "loopback is a private address: not allowed")
            #expect(try ask(0x02).prefix(2) == [0x05, 0x07], "BIND is not served")
            #expect(try ask(0x03).prefix(2) == [0x05, 0x07], "nor UDP ASSOCIATE")
            #expect(origin.requests.isEmpty)

            let silent = try RawClient(port: proxy.port)
            #expect(try silent.receiveAll().isEmpty, "closed after header_read with nothing sent")
            #expect(try await proxy.activeConnectionsReturnToZero(within: 5))
        }
    }

    @Test func aConnectionOverTheLimitIsClosedWithoutAnHTTPAnswer() async throws {
        try await withProxy(yaml: yaml(maxConnections: 1)) { proxy, _ in
            let holder = try RawClient(port: proxy.port)
            try holder.send([0x05, 0x01, 0x00])
            #expect(try holder.receive() == [0x05, 0x00])
            let refused = try RawClient(port: proxy.port)
            #expect(try refused.receiveAll().isEmpty, "a SOCKS5 client gets no HTTP 503, only the close")
        }
    }
}
