import FuzzSupport
import Logging
import NIOCore
import SwitchyardBalancing
import SwitchyardProxy
import SwitchyardTraffic

/// A pool with no target: a request that gets past the destination policy is refused for want of one, so nothing is
/// ever dialled.
let quiet = Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
let pool = try! UpstreamPool(
    name: "empty", balancer: TargetPool(name: "empty", targets: [], policy: RoundRobinPolicy()), addresses: [],
    eventLoops: [], maxIdlePerDestination: 0, maxIdleTotal: 0, idleTimeout: .seconds(60), logger: quiet)

/// The listeners an input may be served by: without and with users (RFC 1929), each with a policy that refuses
/// every destination by a rule, and with the default policy (which lets a public name or address on port 443 through
/// to the empty pool).
struct Variant {
    var users: [(username: String, password: String)]?
    var deniesAll: Bool
}

let variants = [
    Variant(users: nil, deniesAll: true),
    Variant(users: [("alice", "s3cret")], deniesAll: true),
    Variant(users: nil, deniesAll: false),
    Variant(users: [("alice", "s3cret")], deniesAll: false),
]

/// What the listener wrote, read as the server's side of a SOCKS5 handshake.
struct ServerMessages {
    /// The method the server selected (0x00, 0x02, or 0xFF for none acceptable).
    var method: UInt8?
    /// The status of its answer to a login (RFC 1929: 0x00 succeeded).
    var loginStatus: UInt8?
    /// The reply code of its answer to a request.
    var reply: UInt8?

    /// Reads `written`; traps on anything but a method selection (the one the listener asks for, or none
    /// acceptable), then a login answer when the listener has users, then one failure reply (nothing is ever dialled,
    /// so never 0x00) with a well-formed bound address, each only after the one before succeeded, and nothing after.
    init(_ written: ByteBuffer, users: Bool) {
        var bytes = written
        func fail(_ why: String) -> Never {
            fatalError("\(why): \(written.readableBytesView.map { String($0, radix: 16) })")
        }
        func next() -> UInt8 {
            guard let byte = bytes.readInteger(as: UInt8.self) else { fail("a truncated SOCKS5 message") }
            return byte
        }
        defer { if bytes.readableBytes > 0 { fail("bytes after the last SOCKS5 message") } }
        guard bytes.readableBytes > 0 else { return }
        guard next() == 5 else { fail("a method selection that is not SOCKS5") }
        let method = next()
        guard method == 0xFF || method == (users ? 0x02 : 0x00) else { fail("method \(method) selected") }
        self.method = method
        guard method != 0xFF, bytes.readableBytes > 0 else { return }
        if users {
            guard next() == 1 else { fail("a login answer that is not version 1") }
            let status = next()
            guard status <= 1 else { fail("login status \(status)") }
            loginStatus = status
            guard status == 0, bytes.readableBytes > 0 else { return }
        }
        guard next() == 5 else { fail("a reply that is not SOCKS5") }
        let reply = next()
        guard (1...8).contains(reply) else { fail("reply \(reply)") }
        guard next() == 0 else { fail("a reply whose reserved byte is not 0") }
        let addressLength: Int
        switch next() {
        case 1: addressLength = 4
        case 4: addressLength = 16
        case 3: addressLength = Int(next())
        default: fail("a reply with an unknown address type")
        }
        guard bytes.readSlice(length: addressLength + 2) != nil else { fail("a reply with a truncated address") }
        self.reply = reply
    }
}

/// The sum of every series of the counter `name` in a Prometheus text exposition.
func total(_ name: String, in exposition: String) -> Int {
    exposition.split(separator: "\n").reduce(0) { sum, line in
        guard line.hasPrefix(name + "{") || line.hasPrefix(name + " "), let value = line.split(separator: " ").last
        else { return sum }
        return sum + Int(Double(value)!)
    }
}

/// libFuzzer's entry. The first byte picks the listener, the next two where to cut the rest, a client's bytes,
/// into up to three reads, on the real SOCKS5 pipeline (NIOSOCKS' framing and `SOCKSConnectionHandler`) of a
/// connection admitted under the listener's limits. Then the client shuts its side and every timeout passes.
/// Whatever the bytes, the connection must end closed exactly once and give back its listener and per-client
/// slots; what it wrote must be a well-formed server side of the handshake (see `ServerMessages`); nothing may be
/// dialled; a request is logged at most once — once for every refused login or answered request, and as denied
/// exactly when the reply is 0x02 (not allowed); and a login is counted as refused exactly when the client was told
/// so (status 0x01) before the close.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let input = ClientReads(data, size) else { return 0 }
    let variant = variants[Int(input.variant) % variants.count]
    let metrics = TrafficMetrics().listener("socks5")
    let settings = ProxyListenerSettings.forward(
        listenerName: "socks5", pool: pool, users: variant.users, connectTimeout: .seconds(5),
        idleTimeout: .seconds(60), headerReadTimeout: .seconds(10), maxHeaderBytes: 1024, addVia: false,
        addXForwardedFor: false,
        destinationPolicy: DestinationPolicy(rules: variant.deniesAll ? [.init(name: "deny-all", action: .deny)] : []),
        clientProtocols: [.socks5], metrics: metrics, logger: quiet)
    let connection = FuzzConnection()
    let connections = ConnectionLimiter(limit: 1)
    let perClient = ClientConnectionCounter(limit: 1)
    if ListenerAdmission.admit(
        connection.channel, limiter: connections, perClient: perClient, listener: "socks5", answersHTTP: false,
        logger: quiet) != nil
    {
        fatalError("the only connection was refused")
    }
    try! ProxyPipeline.configure(connection.channel, settings: settings)
    let written = connection.play(input.reads)

    if connections.active != 0 { fatalError("the listener slot was never given back") }
    if perClient.openConnections(of: "127.0.0.1") != 0 { fatalError("the per-client slot was never given back") }
    let server = ServerMessages(written, users: variant.users != nil)
    let exposition = metrics.traffic.render()
    let requests = total("switchyard_requests_total", in: exposition)
    let denied = total("switchyard_denied_total", in: exposition)
    if total("switchyard_tunnels_total", in: exposition) != 0 { fatalError("a tunnel was opened") }
    if requests > 1 { fatalError("\(requests) requests logged on one connection") }
    if server.loginStatus == 1 || [0x02, 0x07, 0x08].contains(server.reply), requests != 1 {
        fatalError("a refused login or a request answered \(server.reply ?? 0) logged \(requests) times")
    }
    if denied != (server.reply == 0x02 ? 1 : 0) { fatalError("\(denied) denials for reply \(server.reply ?? 0)") }
    let refusedLogins = total("switchyard_auth_failures_total", in: exposition)
    if refusedLogins != (server.loginStatus == 1 ? 1 : 0) {
        fatalError("\(refusedLogins) refused logins for login status \(server.loginStatus ?? 0)")
    }
    if variant.deniesAll, server.reply == 0x01, requests != 0 { fatalError("a request got past the deny-all rule") }
    _ = try? connection.channel.finish()
    return 0
}
