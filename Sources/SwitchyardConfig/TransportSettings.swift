/// Socket and protocol tuning shared by every listener and pool (`transport:`; the seed's `--tcp-keepalive`,
/// `--tls-handshake-timeout` and `--expect-continue-timeout`).
public struct TransportSettings: Sendable, Equatable {
    /// Idle time before TCP keep-alive probes on client and upstream sockets (`SO_KEEPALIVE` with that
    /// `TCP_KEEPIDLE`); zero leaves keep-alive off.
    public var tcpKeepalive: Duration
    /// The longest a TLS handshake may take: a client's on a TLS listener, and Switchyard's own with an `https://`
    /// backend. A connection whose handshake is not done by then is closed.
    public var tlsHandshakeTimeout: Duration
    /// For a request with `Expect: 100-continue`: how long its body waits for the upstream's `100 Continue` (or
    /// final answer) before it is sent anyway, as Go's `http.Transport` does. Zero sends it at once.
    public var expectContinueTimeout: Duration

    public init(
        tcpKeepalive: Duration = .seconds(30), tlsHandshakeTimeout: Duration = .seconds(10),
        expectContinueTimeout: Duration = .seconds(1)
    ) {
        self.tcpKeepalive = tcpKeepalive
        self.tlsHandshakeTimeout = tlsHandshakeTimeout
        self.expectContinueTimeout = expectContinueTimeout
    }

    /// Keep-alive after 30 s idle, 10 s for a TLS handshake, 1 s for a `100 Continue` (the seed's defaults).
    public static let `default` = TransportSettings()

    /// A keep-alive setting as written: a duration, or `0` / `off` for none.
    static func keepalive(_ text: String) throws(ValueError) -> Duration {
        if text == "0" || text.lowercased() == "off" { return .zero }
        guard let duration = DurationText.parse(text) else {
            throw ValueError(DurationText.problem(with: text) + ", or 0 / off for none")
        }
        return duration
    }
}
