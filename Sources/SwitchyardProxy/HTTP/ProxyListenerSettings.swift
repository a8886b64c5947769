import Logging
import NIOCore
import SwitchyardBalancing
import SwitchyardTraffic

/// What one proxy listener's connections share: its planner, credentials, timeouts and logger.
public final class ProxyListenerSettings: Sendable {
    /// What clients speak to a listener.
    public enum ClientProtocol: Sendable, Hashable {
        /// HTTP/1: forward (absolute-form and CONNECT) or reverse requests.
        case http
        /// SOCKS5 (RFC 1928), CONNECT only, with RFC 1929 logins when the listener has users.
        case socks5
    }

    let listenerName: String
    /// What the listener's clients may speak; with more than one, each connection's first byte decides.
    public let clientProtocols: Set<ClientProtocol>
    let planner: any RequestPlanner
    let authenticator: ProxyAuthenticator?
    /// Give every request an `X-Request-Id` (the client's, or a new one) and log it.
    let assignsRequestIDs: Bool
    let idleTimeout: TimeAmount
    let headerReadTimeout: TimeAmount
    let maxHeaderBytes: Int
    /// TLS for the listener's connections; nil serves plain TCP.
    let tls: TLSContextSource?
    /// Keep-alive of the client sockets and the bound on clients' TLS handshakes.
    let transport: TransportTuning
    /// Where finished requests are counted; nil counts nothing.
    public let metrics: ListenerMetrics?
    let logger: Logger

    init(
        listenerName: String,
        planner: any RequestPlanner,
        users: [(username: String, password: String)]?,
        sessionLogins: Bool = false,
        idleTimeout: TimeAmount,
        headerReadTimeout: TimeAmount,
        maxHeaderBytes: Int,
        assignsRequestIDs: Bool,
        tls: TLSContextSource? = nil,
        transport: TransportTuning = TransportTuning(),
        clientProtocols: Set<ClientProtocol> = [.http],
        metrics: ListenerMetrics?,
        logger: Logger
    ) {
        self.listenerName = listenerName
        self.clientProtocols = clientProtocols
        self.planner = planner
        self.authenticator = users.map { ProxyAuthenticator(users: $0, sessionLogins: sessionLogins) }
        self.assignsRequestIDs = assignsRequestIDs
        self.tls = tls
        self.transport = transport
        self.idleTimeout = idleTimeout
        self.headerReadTimeout = headerReadTimeout
        self.maxHeaderBytes = maxHeaderBytes
        self.metrics = metrics
        self.logger = logger
    }

    /// Whether a connection refused at accept can be answered with an HTTP 503: only when every client of the
    /// listener speaks plain HTTP (a SOCKS5 or TLS client could not read it).
    public var answersRefusalsInHTTP: Bool {
        clientProtocols == [.http] && tls == nil
    }

    /// A forward (egress) listener: absolute-URI requests and CONNECT — or, with `clientProtocols` holding
    /// `.socks5`, SOCKS5 CONNECTs — leaving through `pool`'s targets, to the destinations `destinationPolicy`
    /// allows; over TLS when `tls` is given.
    public static func forward(
        listenerName: String,
        pool: UpstreamPool,
        users: [(username: String, password: String)]?,
        connectTimeout: TimeAmount,
        idleTimeout: TimeAmount,
        headerReadTimeout: TimeAmount,
        maxHeaderBytes: Int,
        addVia: Bool,
        addXForwardedFor: Bool,
        rateLimits: RequestRateLimits? = nil,
        headerRewrites: HeaderRewrites? = nil,
        destinationPolicy: DestinationPolicy,
        clientProtocols: Set<ClientProtocol> = [.http],
        tls: TLSContextSource? = nil,
        transport: TransportTuning = TransportTuning(),
        metrics: ListenerMetrics? = nil,
        logger: Logger
    ) -> ProxyListenerSettings {
        ProxyListenerSettings(
            listenerName: listenerName,
            planner: ForwardRequestPlanner(
                pool: pool,
                connectTimeout: connectTimeout,
                addVia: addVia,
                addXForwardedFor: addXForwardedFor,
                rateLimits: rateLimits,
                destinations: DestinationGuard(policy: destinationPolicy, metrics: metrics),
                headerRewrites: headerRewrites
            ),
            users: users,
            sessionLogins: pool.balancer.sticky?.options.key == .usernameSession,
            idleTimeout: idleTimeout,
            headerReadTimeout: headerReadTimeout,
            maxHeaderBytes: maxHeaderBytes,
            assignsRequestIDs: false,
            tls: tls,
            transport: transport,
            clientProtocols: clientProtocols,
            metrics: metrics,
            logger: logger
        )
    }

    /// A reverse (ingress) listener: requests routed to backend pools.
    public static func reverse(
        listenerName: String,
        routes: [ReverseRoute],
        tls: TLSContextSource?,
        addForwarded: Bool,
        idleTimeout: TimeAmount,
        headerReadTimeout: TimeAmount,
        maxHeaderBytes: Int,
        rateLimits: RequestRateLimits? = nil,
        transport: TransportTuning = TransportTuning(),
        metrics: ListenerMetrics? = nil,
        logger: Logger
    ) -> ProxyListenerSettings {
        ProxyListenerSettings(
            listenerName: listenerName,
            planner: ReverseRequestPlanner(
                routes: RouteTable(routes: routes),
                scheme: tls == nil ? "http" : "https",
                addForwarded: addForwarded,
                rateLimits: rateLimits
            ),
            users: nil,
            idleTimeout: idleTimeout,
            headerReadTimeout: headerReadTimeout,
            maxHeaderBytes: maxHeaderBytes,
            assignsRequestIDs: true,
            tls: tls,
            transport: transport,
            metrics: metrics,
            logger: logger
        )
    }
}
