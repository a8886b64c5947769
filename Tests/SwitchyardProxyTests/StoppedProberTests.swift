import NIOCore
import NIOPosix
import Synchronization
@testable import SwitchyardRuntime
import Testing

/// A health check replaced by a reload (or whose event loops are retired) leaves its verdicts to its successor: a
/// probe still in flight when it stops records nothing.
@Suite(.timeLimit(.minutes(1)))
struct StoppedProberTests {
    @Test func aProbeInFlightWhenItsCheckerStopsRecordsNothing() async throws {
        try await withResources { resources in
            let held = try await HeldAnswerServer.start(group: resources.group)
            _ = resources.track(held.channel)
            let backend = "http://127.0.0.1:\(held.channel.localAddress!.port!)"
            let yaml = """
                log: { level: error, format: text }
                listeners:
                  - { name: web, mode: reverse, listen: "127.0.0.1:0", pool: backends }
                pools:
                  backends:
                    health_check: { type: http, interval: 100ms, timeout: 30s, failure_threshold: 1 }
                    targets: [ { url: "\(backend)" } ]

                """
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            #expect(try await eventually { held.waiting == 1 }, "a probe waits for its answer")
            try #require(proxy.runtime.healthCheckers["backends"]).stop()
            held.answer("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")
            #expect(try await eventually { held.closed == 1 }, "the probe read its failing answer and closed")
            #expect(proxy.runtime.target(backend, inPool: "backends")!.state.isHealthy, "the answer counted for nothing")
        }
    }
}

/// Accepts connections and answers none until told to, then answers every waiting one.
private final class HeldAnswerServer: Sendable {
    let channel: any Channel
    private let state: State

    private final class State: Sendable {
        let waiting = Mutex<[any Channel]>([])
        let closed = Mutex(0)
    }

    private init(channel: any Channel, state: State) {
        self.channel = channel
        self.state = state
    }

    static func start(group: any EventLoopGroup) async throws -> HeldAnswerServer {
        let state = State()
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                state.waiting.withLock { $0.append(channel) }
                channel.closeFuture.whenComplete { _ in state.closed.withLock { $0 += 1 } }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return HeldAnswerServer(channel: channel, state: state)
    }

    /// Connections accepted and not answered yet.
    var waiting: Int { state.waiting.withLock { $0.count } }
    /// Connections closed.
    var closed: Int { state.closed.withLock { $0 } }

    func answer(_ text: String) {
        for channel in state.waiting.withLock({ waiting in defer { waiting = [] }; return waiting }) {
            channel.writeAndFlush(ByteBuffer(string: text), promise: nil)
        }
    }
}
