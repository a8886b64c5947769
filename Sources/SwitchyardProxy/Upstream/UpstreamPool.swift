import NIOCore
import NIOHTTP1
import NIOSSL
import SwitchyardBalancing

/// A pool as the data path uses it: the balancer over its targets, the route to each target, the idle upstream
/// connections of each event loop, and how the pool treats requests as a backend pool.
public final class UpstreamPool: Sendable {
    public let name: String
    public let balancer: TargetPool
    /// Which part of a request the hashing policies key on.
    public let hashKey: HashKeySource
    public let backend: BackendSettings
    /// The client TLS context for `https://` backends; nil when the pool has none.
    let tlsContext: NIOSSLContext?
    private let routes: [String: UpstreamRoute]
    private let idleConnections: [ObjectIdentifier: UpstreamConnectionPoolBox]

    /// - Parameters:
    ///   - addresses: where each of the balancer's targets is, by target identity.
    public init(
        name: String,
        balancer: TargetPool,
        hashKey: HashKeySource = .clientAddress,
        addresses: [PoolTargetAddress],
        backend: BackendSettings = BackendSettings(),
        eventLoops: [any EventLoop],
        maxIdlePerDestination: Int,
        maxIdleTotal: Int,
        idleTimeout: TimeAmount
    ) throws {
        self.name = name
        self.balancer = balancer
        self.hashKey = hashKey
        self.backend = backend
        var routes: [String: UpstreamRoute] = [:]
        for address in addresses {
            routes[address.id] = try UpstreamRoute(address)
        }
        self.routes = routes
        self.tlsContext = routes.values.contains(where: \.usesTLS) ? try backend.makeClientTLSContext() : nil
        var idle: [ObjectIdentifier: UpstreamConnectionPoolBox] = [:]
        for loop in eventLoops {
            idle[ObjectIdentifier(loop)] = UpstreamConnectionPoolBox(
                UpstreamConnectionPool(
                    eventLoop: loop,
                    maxIdlePerKey: maxIdlePerDestination,
                    maxIdleTotal: maxIdleTotal,
                    idleTimeout: idleTimeout
                )
            )
        }
        self.idleConnections = idle
    }

    /// Picks a target for a request or tunnel and reserves a connection on it, skipping the targets named in
    /// `excluded`; nil when none can take it.
    /// - Parameters:
    ///   - host: the normalised destination key (`DestinationKey`) the per-host policies count by.
    ///   - head: the request, for hash keys on its path, headers or cookies; nil for a tunnel.
    func acquire(
        host: String,
        clientAddress: String?,
        head: HTTPRequestHead?,
        excluding excluded: [String] = []
    ) -> TargetLease? {
        let key = hashKey.key(
            clientAddress: clientAddress,
            destination: host,
            path: head.map { String($0.uri.prefix { $0 != "?" }) },
            header: { head?.headers.first(name: $0) }
        )
        let request = PickRequest(destination: host, clientAddress: clientAddress, hashKey: key)
        guard let target = balancer.acquire(request, excluding: excluded) else { return nil }
        return TargetLease(target: target, route: routes[target.id]!, balancer: balancer)
    }

    /// The idle-connection pool of `eventLoop`; nil for a loop the pool was not built for (then nothing is reused).
    func idleConnections(on eventLoop: any EventLoop) -> UpstreamConnectionPool? {
        idleConnections[ObjectIdentifier(eventLoop)]?.pool
    }
}

/// Makes a loop-confined pool storable in a `Sendable` map; only its own event loop ever touches it.
private final class UpstreamConnectionPoolBox: @unchecked Sendable {
    let pool: UpstreamConnectionPool
    init(_ pool: UpstreamConnectionPool) { self.pool = pool }
}
