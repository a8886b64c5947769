import NIOCore
import NIOHTTP1
import Testing

@testable import SwitchyardProxy
@testable import SwitchyardRuntime

/// The dialer of a CONNECT tunnel lets go of its caller once it has answered: the connection handler holds the
/// dialer while it dials, and the dialer's completion holds the handler, so a completion kept after it ran kept
/// the handler, its request and the dialer alive for good — about 2.7 KB per tunnel (debug build) that never
/// came back.
@Suite(.timeLimit(.minutes(1)))
struct TunnelDialerTests {
    /// Stands in for the caller the completion captures.
    private final class Caller {}

    @Test func theCompletionIsDroppedOnceItHasRun() async throws {
        try await withResources { resources in
            let echo = resources.track(try await TCPServer.echo(group: resources.group))
            let port = echo.localAddress!.port!
            let proxy = resources.track(try await ProxyHarness(yaml: ProxyHarness.forwardYAML()))
            let settings = proxy.runtime.listeners[0].proxySettings
            let head = HTTPRequestHead(version: .http1_1, method: .CONNECT, uri: "127.0.0.1:\(port)")
            guard case .tunnel(let request) = settings.planner.plan(head, client: ClientContext(ip: "127.0.0.1"))
            else { Issue.record("expected a tunnel plan"); return }
            let loop = proxy.group.next()
            let answered = loop.makePromise(of: Void.self)
            let probe = try await loop.submit { () -> NIOLoopBound<(TunnelDialer, Weak)> in
                let caller = Caller()
                let dialer = TunnelDialer(request: request, planner: settings.planner, eventLoop: loop) { outcome in
                    _ = caller
                    if case .connected(let channel) = outcome { channel.close(promise: nil) }
                    answered.succeed()
                }
                dialer.start()
                return NIOLoopBound((dialer, Weak(caller)), eventLoop: loop)
            }.get()
            try await answered.futureResult.get()
            let released = try await loop.submit { probe.value.1.object == nil && probe.value.0.lease.route.id == "default" }.get()
            #expect(released, "the dialer (still held) no longer holds its caller")
            request.lease.release()
        }
    }

    private final class Weak {
        weak var object: Caller?
        init(_ object: Caller) { self.object = object }
    }
}
