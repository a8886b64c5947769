import Logging
import NIOCore

/// What one proxy listener's connections share: its planner, credentials, timeouts and logger.
public final class ProxyListenerSettings: Sendable {
    let listenerName: String
    let planner: any RequestPlanner
    let authenticator: ProxyAuthenticator?
    let connector: UpstreamConnector
    let idleTimeout: TimeAmount
    let headerReadTimeout: TimeAmount
    let maxHeaderBytes: Int
    let logger: Logger

    init(
        listenerName: String,
        planner: any RequestPlanner,
        users: [(username: String, password: String)]?,
        connectTimeout: TimeAmount,
        idleTimeout: TimeAmount,
        headerReadTimeout: TimeAmount,
        maxHeaderBytes: Int,
        logger: Logger
    ) {
        self.listenerName = listenerName
        self.planner = planner
        self.authenticator = users.map { ProxyAuthenticator(users: $0) }
        self.connector = UpstreamConnector(connectTimeout: connectTimeout)
        self.idleTimeout = idleTimeout
        self.headerReadTimeout = headerReadTimeout
        self.maxHeaderBytes = maxHeaderBytes
        self.logger = logger
    }

    /// A forward (egress) listener: absolute-URI requests and CONNECT, leaving through `pool`'s targets.
    public static func forward(
        listenerName: String,
        pool: EgressPool,
        users: [(username: String, password: String)]?,
        connectTimeout: TimeAmount,
        idleTimeout: TimeAmount,
        headerReadTimeout: TimeAmount,
        maxHeaderBytes: Int,
        addVia: Bool,
        addXForwardedFor: Bool,
        logger: Logger
    ) -> ProxyListenerSettings {
        ProxyListenerSettings(
            listenerName: listenerName,
            planner: ForwardRequestPlanner(pool: pool, addVia: addVia, addXForwardedFor: addXForwardedFor),
            users: users,
            connectTimeout: connectTimeout,
            idleTimeout: idleTimeout,
            headerReadTimeout: headerReadTimeout,
            maxHeaderBytes: maxHeaderBytes,
            logger: logger
        )
    }
}
