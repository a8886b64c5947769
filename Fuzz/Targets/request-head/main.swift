import FuzzSupport
import Logging
import NIOCore
import NIOEmbedded
import SwitchyardBalancing
import SwitchyardProxy
import SwitchyardTraffic

/// A pool with no target: every request the planners accept is refused with 503, so nothing is ever dialled.
let quiet = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
let pool = try! UpstreamPool(
    name: "empty", balancer: TargetPool(name: "empty", targets: [], policy: RoundRobinPolicy()), addresses: [],
    eventLoops: [], maxIdlePerDestination: 0, maxIdleTotal: 0, idleTimeout: .seconds(60), logger: quiet)

/// The listeners an input may be served by, as configured: forward without and with proxy users, and reverse with a
/// host route, a path route and a catch-all.
let listeners: [ProxyListenerSettings] = [
    forward(users: nil),
    forward(users: [("alice", "s3cret")]),
    .reverse(
        listenerName: "reverse",
        routes: [
            ReverseRoute(name: "routes[0]", host: "*.example.com", method: "GET", pool: pool),
            ReverseRoute(name: "routes[1]", pathPrefix: "/api/", headers: [("x-tenant", "a")], pool: pool),
            ReverseRoute(name: "pool", pool: pool),
        ],
        tls: nil, addForwarded: true, idleTimeout: .seconds(60), headerReadTimeout: .seconds(10),
        maxHeaderBytes: 1024, logger: quiet),
]

func forward(users: [(username: String, password: String)]?) -> ProxyListenerSettings {
    .forward(
        listenerName: "forward", pool: pool, users: users, connectTimeout: .seconds(5), idleTimeout: .seconds(60),
        headerReadTimeout: .seconds(10), maxHeaderBytes: 1024, addVia: true, addXForwardedFor: true,
        destinationPolicy: DestinationPolicy(), logger: quiet)
}

/// libFuzzer's entry. The first byte picks the listener, the next two where to cut the rest, a client's bytes,
/// into up to three reads. Then the client shuts its side and every timeout passes. Whatever the bytes, the
/// connection must end closed exactly once, give back its place among the listener's incomplete heads, and have
/// written nothing but HTTP/1.x responses with a valid status (HTTP/1.0 ones answer HTTP/1.0 requests).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let input = ClientReads(data, size) else { return 0 }
    let connection = FuzzConnection()
    let incompleteHeads = ConnectionLimiter(limit: 1)
    let settings = listeners[Int(input.variant) % listeners.count]
    try! ProxyPipeline.configure(connection.channel, settings: settings, incompleteHeads: incompleteHeads)
    let written = connection.play(input.reads)
    if incompleteHeads.active != 0 { fatalError("a place among the incomplete heads was never given back") }
    if written.readableBytes > 0 {
        let status = written.getString(at: written.readerIndex, length: min(written.readableBytes, 13)) ?? ""
        let code = Int(status.dropFirst(9).prefix(3)) ?? 0
        let version = status.prefix(9)
        if version != "HTTP/1.1 " && version != "HTTP/1.0 " || !(100...599).contains(code) || !status.hasSuffix(" ") {
            fatalError("not an HTTP/1.1 response: \(String(buffer: written).prefix(200))")
        }
    }
    _ = try? connection.channel.finish()
    return 0
}
