/// Why the path through an upstream proxy could not be opened. Each is the target's fault, so the request or tunnel
/// moves on to another target while nothing has reached the client. Messages name the upstream by address only,
/// never with its credentials.
struct UpstreamProxyFailure: Error, CustomStringConvertible {
    enum Reason {
        /// The upstream refused the TCP connection.
        case refused
        /// Connecting to the upstream, or its handshake, took longer than the connect timeout.
        case timedOut
        /// The upstream could not be reached for another reason (no route, the source address, ...).
        case unreachable(String)
        /// The upstream answered `407` (HTTP) or refused the username and password (SOCKS5).
        case rejectedCredentials
        /// The HTTP upstream answered the CONNECT with another non-2xx status.
        case answered(UInt)
        /// The upstream closed or reset the connection before the handshake was done.
        case closed
        /// The SOCKS5 handshake failed otherwise.
        case socks(SOCKS5ClientHandshake.Failure)
    }

    /// The upstream's `host:port`.
    var proxy: String
    /// The destination's `host:port`.
    var destination: String
    var reason: Reason

    var description: String {
        let what =
            switch reason {
            case .refused: "refused the connection"
            case .timedOut: "did not open a path to \(destination) in time"
            case .unreachable(let text): "could not be reached: \(text)"
            case .rejectedCredentials: "rejected its credentials"
            case .answered(let status): "answered CONNECT \(destination) with \(status)"
            case .closed: "closed the connection during the handshake"
            case .socks(let failure): failure.description
            }
        return "upstream proxy \(what) (\(proxy))"
    }

    var isTimeout: Bool {
        if case .timedOut = reason { true } else { false }
    }
}
