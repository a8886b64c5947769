import Foundation
import Synchronization
import SwitchyardConfig
@testable import SwitchyardRuntime
import Testing

/// Issue 14's proof: under continuous load (HTTP keep-alive through a forward and a reverse listener, requests
/// through a TLS listener, long-lived CONNECT tunnels and WebSocket sessions streaming), 20 reloads that add, move and
/// remove listeners, rotate certificates and users, change `workers` and change pools lose nothing: no failed
/// request, no cut tunnel or session, every byte through both ways.
@Suite(.timeLimit(.minutes(2)))
struct ReloadUnderLoadTests {
    @Test func twentyReloadsOfEverythingUnderLoadLoseNothing() async throws {
        let pki = try TestCertificates.withServer(commonName: "first")
        defer { pki.remove() }
        try pki.issueServer(commonName: "second", into: "rotated")
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let echo = resources.track(try await TCPServer.echo(group: resources.group))
            let webSockets = resources.track(try await WebSocketEchoServer.start(group: resources.group))
            var backends: [HealthBackend] = []
            for _ in 0..<3 { backends.append(try await HealthBackend(group: resources.group)) }
            defer { Task { [backends] in for backend in backends { await backend.stop() } } }
            let shape = LoadedConfig(
                pki: pki, backends: backends.map(\.port), webSocketPort: webSockets.localAddress!.port!,
                movingPorts: [try freeLoopbackPort(), try freeLoopbackPort()])
            let proxy = resources.track(try await ProxyHarness(yaml: shape.yaml(round: 0)))
            let runtime = proxy.runtime
            func port(_ listener: String) -> Int { runtime.boundAddress(ofListener: listener)!.port! }
            let (forward, reverse, tls) = (port("fwd"), port("rev"), port("tls"))

            // Long-lived streams, opened before the first reload: tunnels through a listener that stays and through
            // one that moves twice, WebSocket sessions through the reverse listener.
            let echoPort = echo.localAddress!.port!
            let tunnels = try [forward, forward, shape.movingPorts[0], shape.movingPorts[0]].map { port in
                try Stream.tunnel(port: port, to: echoPort, auth: port == forward ? LoadedConfig.loadLogin : nil)
            }
            let sessions = try (0..<2).map { _ in try Stream.webSocket(port: reverse) }
            let stop = StopSignal()
            let streaming = Task { try await HTTPLoad.onThreads(tunnels.count + sessions.count) { index in
                let stream = index < tunnels.count ? tunnels[index] : sessions[index - tunnels.count]
                return stream.run(until: stop)
            } }
            let originURL = "http://127.0.0.1:\(origin.port)/"
            let throughTLS = Task { try await HTTPLoad.onThread {
                var statuses: [String] = []
                while !stop.isStopped {
                    statuses += (try? Subprocess.statuses(
                        ["--proxy", "https://127.0.0.1:\(tls)", "--proxy-cacert", pki.caPath, originURL])) ?? ["error"]
                    Thread.sleep(forTimeInterval: 0.1)
                }
                return statuses
            } }
            let login = Data(LoadedConfig.loadLogin.utf8).base64EncodedString()
            let keepAlive = Task {
                async let forwarded = HTTPLoad.run(
                    port: forward, clients: 2, for: .seconds(24), pause: .milliseconds(20)
                ) { _ in
                    "GET \(originURL) HTTP/1.1\r\nHost: 127.0.0.1:\(origin.port)\r\nProxy-Authorization: Basic \(login)\r\n\r\n"
                }
                async let reversed = HTTPLoad.run(
                    port: reverse, clients: 2, for: .seconds(24), pause: .milliseconds(20)
                ) { _ in "GET /page HTTP/1.1\r\nHost: web\r\n\r\n" }
                return try await (forwarded, reversed)
            }

            var groups = [runtime.workerGroup]
            var extraRequests: [String] = []
            for round in 1...20 {
                try await Task.sleep(for: .milliseconds(1000))
                try runtime.reload(try ConfigLoader.parse(yaml: shape.yaml(round: round), file: nil))
                if groups.last! !== runtime.workerGroup { groups.append(runtime.workerGroup) }
                if shape.hasExtra(round: round) {
                    extraRequests += try Subprocess.statuses(["-x", "http://127.0.0.1:\(port("extra"))", originURL])
                }
            }
            let (forwarded, reversed) = try await keepAlive.value
            stop.stop()
            let streamed = try await streaming.value
            let tlsStatuses = try await throughTLS.value

            #expect(runtime.metricsText().contains(#"switchyard_config_reloads_total{result="success"} 20"#))
            #expect(groups.count >= 10, "workers changed every other reload")
            for (name, answers) in [("forward", forwarded), ("reverse", reversed)] {
                #expect(answers.count > 100, "\(name): \(answers.count) requests")
                #expect(answers.allSatisfy { $0.status == 200 }, "\(name): \(answers.filter { $0.status != 200 }.prefix(3))")
            }
            #expect(tlsStatuses.count > 10 && tlsStatuses.allSatisfy { $0 == "200" }, "\(tlsStatuses.filter { $0 != "200" })")
            #expect(extraRequests.count >= 6 && extraRequests.allSatisfy { $0 == "200" }, "\(extraRequests)")
            for (index, result) in streamed.enumerated() {
                #expect(result.failure == nil, "stream \(index): \(result.failure ?? "")")
                #expect(result.sent > 0 && result.sent == result.received, "stream \(index): \(result)")
            }
            #expect(try await eventually {
                groups.dropLast().allSatisfy(\.isShutDown)
            }, "every replaced worker group shut down once its streams closed")
            #expect(!groups.last!.isShutDown)
            print("reload under load: \(forwarded.count + reversed.count) keep-alive requests, none resent, \(tlsStatuses.count) over TLS, streams \(streamed.map { "\($0.sent)/\($0.received)" })")
        }
    }
}

/// The config of `ReloadUnderLoadTests` at each reload: what stays, what changes and how often.
private struct LoadedConfig {
    static let loadLogin = "load:load-password"
    let pki: TestCertificates
    let backends: [Int]
    let webSocketPort: Int
    /// The two addresses the `moving` listener alternates between, every fourth reload.
    let movingPorts: [Int]

    /// An `extra` listener is added on every third reload and removed on the next.
    func hasExtra(round: Int) -> Bool { round % 3 == 1 }

    /// `workers` alternates between 1 and 2 every other reload; the `fwd` listener's second user changes every
    /// reload; the `tls` listener's certificate alternates every third; the egress pool's weights change every reload
    /// and it gains a third target every fifth; the web pool has two or three backends.
    func yaml(round: Int) -> String {
        let timeouts = "timeouts: { connect: 5s, idle: 60s, header_read: 10s, shutdown: 60s }"
        let destinations = "destinations: \(ProxyHarness.loopbackDestinations)"
        let certificate = (round / 3) % 2 == 0 ? "server" : "rotated"
        let extra = hasExtra(round: round)
            ? "  - { name: extra, mode: forward, listen: \"127.0.0.1:0\", pool: egress, \(destinations), \(timeouts) }\n"
            : ""
        let sources = ["127.0.0.2", "127.0.0.3"] + (round % 5 == 4 ? ["127.0.0.4"] : [])
        let egress = sources.enumerated().map { index, ip in
            "      - { source_ip: \"\(ip)\", weight: \(index == 0 ? 1 + round % 3 : 1) }"
        }
        let web = backends.prefix(2 + round % 2).map { "      - url: \"http://127.0.0.1:\($0)\"" }
        return """
            log: { level: error, format: text }
            workers: \(round % 4 < 2 ? 1 : 2)
            listeners:
              - name: fwd
                mode: forward
                listen: "127.0.0.1:0"
                pool: egress
                auth: { users: [ { username: load, password: load-password }, { username: "user-\(round)", password: rotated-password } ] }
                \(destinations)
                \(timeouts)
              - name: rev
                mode: reverse
                listen: "127.0.0.1:0"
                routes: [ { match: { path_prefix: /ws }, pool: ws }, { pool: web } ]
                \(timeouts)
              - name: tls
                mode: forward
                listen: "127.0.0.1:0"
                pool: egress
                tls: { cert: "\(pki.directory)/\(certificate).pem", key: "\(pki.directory)/\(certificate).key" }
                \(destinations)
                \(timeouts)
              - { name: moving, mode: forward, listen: "127.0.0.1:\(movingPorts[(round / 4) % 2])", pool: egress, \(destinations), \(timeouts) }
            \(extra)pools:
              egress:
                targets:
            \(egress.joined(separator: "\n"))
              web:
                policy: round-robin
                targets:
            \(web.joined(separator: "\n"))
              ws:
                targets: [ { url: "http://127.0.0.1:\(webSocketPort)" } ]

            """
    }
}

/// A long-lived byte stream through the proxy: a CONNECT tunnel to an echo server, or a WebSocket session with an
/// echoing backend. `run` sends and reads back in lock step until told to stop, then closes cleanly.
private final class Stream: Sendable {
    struct Result: Sendable, CustomStringConvertible {
        var sent = 0
        var received = 0
        var failure: String?
        var description: String { "\(sent) bytes sent, \(received) received\(failure.map { ", \($0)" } ?? "")" }
    }

    private let client: UncheckedBox<RawClient>
    private let isWebSocket: Bool

    private init(client: RawClient, isWebSocket: Bool) {
        self.client = UncheckedBox(client)
        self.isWebSocket = isWebSocket
    }

    static func tunnel(port: Int, to echoPort: Int, auth: String?) throws -> Stream {
        let client = try RawClient(port: port)
        let login = auth.map { "Proxy-Authorization: Basic \(Data($0.utf8).base64EncodedString())\r\n" } ?? ""
        try client.send("CONNECT 127.0.0.1:\(echoPort) HTTP/1.1\r\nHost: 127.0.0.1:\(echoPort)\r\n\(login)\r\n")
        let answer = try client.receive(until: "\r\n\r\n")
        guard answer.hasPrefix("HTTP/1.1 200") else { throw RawClient.Failure(description: "CONNECT: \(answer)") }
        return Stream(client: client, isWebSocket: false)
    }

    static func webSocket(port: Int) throws -> Stream {
        let client = try RawClient(port: port)
        try client.send(
            "GET /ws HTTP/1.1\r\nHost: web\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        let answer = try client.receive(until: "\r\n\r\n")
        guard answer.hasPrefix("HTTP/1.1 101") else { throw RawClient.Failure(description: "upgrade: \(answer)") }
        return Stream(client: client, isWebSocket: true)
    }

    func run(until stop: StopSignal) -> Result {
        let client = self.client.value
        var result = Result()
        var round = 0
        do {
            while !stop.isStopped {
                round += 1
                let message = "message \(round) " + String(repeating: "x", count: 64)
                if isWebSocket {
                    try client.sendWebSocketFrame(opcode: 0x1, message)
                    result.sent += message.utf8.count
                    let (opcode, text) = try client.receiveWebSocketFrame()
                    guard opcode == 0x1, text == message else { throw RawClient.Failure(description: "got \(opcode) \(text)") }
                    result.received += text.utf8.count
                } else {
                    try client.send(message)
                    result.sent += message.utf8.count
                    let back = try client.receive(until: message)
                    guard back == message else { throw RawClient.Failure(description: "got \(back.prefix(80))") }
                    result.received += back.utf8.count
                }
                Thread.sleep(forTimeInterval: 0.02)
            }
            if isWebSocket {
                try client.sendWebSocketFrame(opcode: 0x8, "")
                guard try client.receiveWebSocketFrame().opcode == 0x8 else { throw RawClient.Failure(description: "no close") }
            }
            client.shutdownWrite()
            let rest = try client.receiveAll()
            guard rest.isEmpty else { throw RawClient.Failure(description: "\(rest.utf8.count) bytes after the end") }
        } catch {
            result.failure = "cut after \(round) messages: \(error)"
        }
        return result
    }
}

/// Tells load threads to finish.
private final class StopSignal: Sendable {
    private let stopped = Atomic<Bool>(false)
    var isStopped: Bool { stopped.load(ordering: .relaxed) }
    func stop() { stopped.store(true, ordering: .relaxed) }
}

/// Hands a value that one thread uses at a time across the concurrency boundary.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
