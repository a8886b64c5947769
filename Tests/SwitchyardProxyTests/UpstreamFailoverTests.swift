import Foundation
import Synchronization
import Testing

/// Failover before the first byte: an upstream proxy that refuses, stalls, answers its CONNECT with 407 or 403, or
/// resets counts as a failure of that target, the next one is tried, and only when all fail does the client get
/// 502 (504 on a timeout) naming the cause. The fake upstream records what it receives.
@Suite(.timeLimit(.minutes(3)))
struct UpstreamFailoverTests {
    /// How the failing upstream misbehaves; `refuse` is a port nobody listens on.
    enum Misbehaviour: Sendable, CustomTestStringConvertible {
        case refuse
        case fault(FakeUpstream.Fault)

        var testDescription: String {
            switch self {
            case .refuse: "refuses"
            case .fault(.stall): "stalls"
            case .fault(.answer(let status)): "answers \(status)"
            case .fault(.reset): "resets"
            }
        }
    }

    static let misbehaviours: [Misbehaviour] = [.refuse, .fault(.stall), .fault(.answer(407)), .fault(.answer(403)), .fault(.reset)]

    /// Runs `body` with a forward listener over `targets` (flow mappings, given the failing upstream's port), a
    /// failing upstream and an origin.
    private func withFailing(
        _ misbehaviour: Misbehaviour, targets: (Int) -> [String],
        _ body: (ProxyHarness, TestOrigin, FakeUpstream?) async throws -> Void
    ) async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            var fake: FakeUpstream?
            let port: Int
            switch misbehaviour {
            case .refuse:
                port = try await FakeUpstream.refusingPort(group: resources.group)
            case .fault(let fault):
                let started = try await FakeUpstream.start(fault, group: resources.group)
                fake = started
                port = started.port
            }
            let yaml = ProxyHarness.forwardYAML(
                targets: targets(port), policy: "round-robin",
                poolExtra: "    retries: { attempts: 2, budget_percent: 100 }\n")
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            do {
                try await body(proxy, origin, fake)
                await fake?.stop()
            } catch {
                await fake?.stop()
                throw error
            }
        }
    }

    @Test(arguments: misbehaviours)
    func theNextUpstreamIsTriedWhileNothingReachedTheClient(_ misbehaviour: Misbehaviour) async throws {
        let socks = try await PeerProxy.microsocks(outgoing: "127.0.0.4", user: "su", password: "sp")
        defer { socks.stop() }
        let targets = { (port: Int) in
            [
                "{ upstream: \"http://up:up-secret@127.0.0.1:\(port)\", connect_timeout: 1s }",
                "{ upstream: \"socks5://su:sp@127.0.0.1:\(socks.port)\" }",
            ]
        }
        try await withFailing(misbehaviour, targets: targets) { proxy, origin, fake in
            let tunnels = try await UpstreamProxyTests.tunnels(4, proxyPort: proxy.port, originPort: origin.port)
            #expect(tunnels.map(\.status) == [200, 200, 200, 200])
            #expect(tunnels.map(\.ip) == Array(repeating: "127.0.0.4", count: 4))
            // A plain request goes to an HTTP upstream in absolute form, with no handshake: only a refused
            // connection and a 407 say the upstream failed. Its other answers are the answer (a 403 may be the
            // origin's), and a reset after the request went out is not retried (the origin may have seen it).
            switch misbehaviour {
            case .refuse, .fault(.answer(407)): break
            default: return
            }
            let plain = try Subprocess.statuses(["-x", proxy.proxyURL, "http://127.0.0.1:\(origin.port)/ip?[1-4]"])
            #expect(plain == ["200", "200", "200", "200"])
            #expect(origin.requests.allSatisfy { $0.sourceIP == "127.0.0.4" })
            if let fake { #expect(fake.connectionCount >= 2, "the failing upstream was tried") }
        }
    }

    @Test(arguments: misbehaviours)
    func whenEveryUpstreamFailsTheClientIsToldWhy(_ misbehaviour: Misbehaviour) async throws {
        let upstreamPort = Mutex(0)
        let targets = { (port: Int) in
            upstreamPort.withLock { $0 = port }
            return ["{ upstream: \"http://up:up-secret@127.0.0.1:\(port)\", connect_timeout: 1s }"]
        }
        try await withFailing(misbehaviour, targets: targets) { proxy, origin, _ in
            let upstreamPort = upstreamPort.withLock { $0 }
            let target = "127.0.0.1:\(origin.port)"
            let port = proxy.port
            let answer = try await HTTPLoad.onThread {
                try RawClient(port: port).exchange("CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n\r\n")
            }
            let expected: (Int, String) =
                switch misbehaviour {
                case .refuse: (502, "upstream proxy refused the connection")
                case .fault(.stall): (504, "upstream proxy did not open a path to \(target) in time")
                case .fault(.answer(407)): (502, "upstream proxy rejected its credentials")
                case .fault(.answer(let status)): (502, "upstream proxy answered CONNECT \(target) with \(status)")
                case .fault(.reset): (502, "upstream proxy closed the connection during the handshake")
                }
            let error = answer.headers["x-switchyard-error"] ?? ""
            #expect(answer.status == expected.0)
            #expect(error.hasPrefix(expected.1) && error.hasSuffix("(127.0.0.1:\(upstreamPort))"), "\(error)")
            #expect(answer.headers["proxy-authenticate"] == nil)
            #expect(!error.contains("up-secret") && !error.contains("up:"))
        }
    }

    @Test func anUpstreamsRefusalOfItsCredentialsIsNotPassedOnToThePlainRequestsClient() async throws {
        let targets = { (port: Int) in ["{ upstream: \"http://up:up-secret@127.0.0.1:\(port)\" }"] }
        try await withFailing(.fault(.answer(407)), targets: targets) { proxy, origin, fake in
            let result = try Subprocess.curl(
                ["-i", "-x", "http://127.0.0.1:\(proxy.port)", "http://127.0.0.1:\(origin.port)/ip"])
            #expect(result.stdout.hasPrefix("HTTP/1.1 502"))
            #expect(result.stdout.contains("upstream proxy rejected its credentials"))
            #expect(!result.stdout.lowercased().contains("proxy-authenticate"))
            #expect(!result.stdout.contains("fake-upstream-realm"))
            let received = fake!.receivedText
            #expect(received.hasPrefix("GET http://127.0.0.1:\(origin.port)/ip HTTP/1.1\r\n"))
            #expect(received.contains("proxy-authorization: Basic \(Data("up:up-secret".utf8).base64EncodedString())"))
        }
    }

    @Test func theUpstreamReceivesItsOwnCredentialsNeverTheClients() async throws {
        try await withResources { resources in
            let fake = try await FakeUpstream.start(.answer(407), group: resources.group)
            let yaml = ProxyHarness.forwardYAML(
                targets: ["{ upstream: \"http://up%40corp:up-secret@127.0.0.1:\(fake.port)\" }"],
                auth: ("alice", "alice-pw-1234"))
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            let clientProxy = "http://alice:alice-pw-1234@127.0.0.1:\(proxy.port)"
            let tunnel = try Subprocess.curl(["-v", "-p", "-x", clientProxy, "http://127.0.0.1:9/"])
            let plain = try Subprocess.curl(["-v", "-x", clientProxy, "http://127.0.0.1:9/"])
            await fake.stop()
            let received = fake.receivedText
            #expect(received.contains("CONNECT 127.0.0.1:9 HTTP/1.1\r\n"))
            #expect(received.contains("GET http://127.0.0.1:9/ HTTP/1.1\r\n"))
            let upstreamCredentials = Data("up@corp:up-secret".utf8).base64EncodedString()
            #expect(received.components(separatedBy: "Basic \(upstreamCredentials)").count == 3)
            #expect(!received.contains(Data("alice:alice-pw-1234".utf8).base64EncodedString()))
            #expect(!received.contains("alice"))
            for output in [tunnel, plain].map({ $0.stdout + $0.stderr }) {
                #expect(output.contains("502"))
                #expect(!output.contains("up-secret") && !output.contains(upstreamCredentials))
            }
        }
    }

    @Test func aSOCKSUpstreamThatRefusesTheCredentialsIsNamed() async throws {
        let socks = try await PeerProxy.microsocks(outgoing: "127.0.0.4", user: "su", password: "sp")
        defer { socks.stop() }
        let yaml = ProxyHarness.forwardYAML(targets: ["{ upstream: \"socks5://su:wrong@127.0.0.1:\(socks.port)\" }"])
        try await withProxy(yaml: yaml) { proxy, origin in
            let target = "127.0.0.1:\(origin.port)"
            let port = proxy.port
            let answer = try await HTTPLoad.onThread {
                try RawClient(port: port).exchange("CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n\r\n")
            }
            #expect(answer.status == 502)
            #expect(answer.headers["x-switchyard-error"] == "upstream proxy rejected its credentials (127.0.0.1:\(socks.port))")
            #expect(origin.requests.isEmpty)
        }
    }

    @Test func activeChecksOfAnUpstreamGoThroughIt() async throws {
        let socks = try await PeerProxy.microsocks(outgoing: "127.0.0.4", user: "su", password: "sp")
        defer { socks.stop() }
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let refusing = try await FakeUpstream.start(.answer(403), group: resources.group)
            defer { Task { await refusing.stop() } }
            let check = "{ type: http, interval: 100ms, timeout: 1s, target: \"http://127.0.0.1:\(origin.port)/through\", "
                + "failure_threshold: 1, success_threshold: 1 }"
            let yaml = ProxyHarness.forwardYAML(
                targets: [
                    "{ upstream: \"socks5://su:sp@127.0.0.1:\(socks.port)\" }",
                    "{ upstream: \"http://127.0.0.1:\(refusing.port)\" }",
                ],
                poolExtra: "    health_check: \(check)\n")
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            let healthy = try #require(proxy.runtime.target("socks5://su@127.0.0.1:\(socks.port)", inPool: "outbound"))
            let failing = try #require(proxy.runtime.target("http://127.0.0.1:\(refusing.port)", inPool: "outbound"))
            #expect(try await eventually { !failing.state.isHealthy })
            let cause = proxy.runtime.condition(of: failing, inPool: "outbound").healthCause
            #expect(cause.contains("upstream proxy answered CONNECT 127.0.0.1:\(origin.port) with 403"), "\(cause)")
            #expect(healthy.state.isHealthy)
            // Each target's first check comes at a random point of the first interval: the healthy one's may be later.
            let checked = try await eventually {
                origin.requests.contains { $0.uri == "/through" && $0.sourceIP == "127.0.0.4" }
            }
            #expect(checked)
        }
    }
}
