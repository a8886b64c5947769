import Logging
import NIOCore

/// What one forward listener's connections share: its pool, credentials, timeouts and logger.
public final class ForwardProxySettings: Sendable {
    let listenerName: String
    let pool: EgressPool
    let authenticator: ProxyAuthenticator?
    let connector: UpstreamConnector
    let idleTimeout: TimeAmount
    let headerReadTimeout: TimeAmount
    let maxHeaderBytes: Int
    let addVia: Bool
    let addXForwardedFor: Bool
    let logger: Logger

    public init(
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
    ) {
        self.listenerName = listenerName
        self.pool = pool
        self.authenticator = users.map { ProxyAuthenticator(users: $0) }
        self.connector = UpstreamConnector(connectTimeout: connectTimeout)
        self.idleTimeout = idleTimeout
        self.headerReadTimeout = headerReadTimeout
        self.maxHeaderBytes = maxHeaderBytes
        self.addVia = addVia
        self.addXForwardedFor = addXForwardedFor
        self.logger = logger
    }
}
