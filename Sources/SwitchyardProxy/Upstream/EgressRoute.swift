import NIOCore

/// How an outbound connection leaves this machine: from a given source address, or through the default route.
/// One per pool target, built once from the config.
struct EgressRoute: Sendable {
    /// The target's identity, as logged and as used in upstream pool keys.
    let id: String
    /// The local address outbound sockets bind to before connecting; nil for the default route.
    let sourceAddress: SocketAddress?

    init(id: String, sourceIP: String?) throws {
        self.id = id
        self.sourceAddress = try sourceIP.map { try SocketAddress(ipAddress: $0, port: 0) }
    }
}
