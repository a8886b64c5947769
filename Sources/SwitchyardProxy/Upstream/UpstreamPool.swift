import NIOCore
import SwitchyardBalancing

/// A pool as the data path uses it: the balancer over its targets, the route to each target, the idle upstream
/// connections of each event loop, and how the pool treats requests as a backend pool.
public final class UpstreamPool: Sendable {
    public let name: String
    public let balancer: TargetPool
    public let backend: BackendSettings
    private let routes: [String: UpstreamRoute]
    private let idleConnections: [ObjectIdentifier: UpstreamConnectionPoolBox]

    /// - Parameters:
    ///   - addresses: where each of the balancer's targets is, by target identity.
    public init(
        name: String,
        balancer: TargetPool,
        addresses: [PoolTargetAddress],
        backend: BackendSettings = BackendSettings(),
        eventLoops: [any EventLoop],
        maxIdlePerDestination: Int,
        idleTimeout: TimeAmount
    ) throws {
        self.name = name
        self.balancer = balancer
        self.backend = backend
        var routes: [String: UpstreamRoute] = [:]
        for address in addresses {
            routes[address.id] = try UpstreamRoute(address)
        }
        self.routes = routes
        var idle: [ObjectIdentifier: UpstreamConnectionPoolBox] = [:]
        for loop in eventLoops {
            idle[ObjectIdentifier(loop)] = UpstreamConnectionPoolBox(
                UpstreamConnectionPool(eventLoop: loop, maxIdlePerKey: maxIdlePerDestination, idleTimeout: idleTimeout)
            )
        }
        self.idleConnections = idle
    }

    /// Picks an egress target for `destination` and reserves a connection on it; nil when every target is at its
    /// limit.
    func acquire(for destination: ProxyDestination, clientAddress: String?) -> TargetLease? {
        acquire(forHost: DestinationKey.make(host: destination.host, port: destination.port), clientAddress: clientAddress)
    }

    /// Picks a target for a request to `host` (a normalised destination key) and reserves a connection on it,
    /// skipping the targets named in `excluded`; nil when none can take it.
    func acquire(forHost host: String, clientAddress: String?, excluding excluded: [String] = []) -> TargetLease? {
        let request = PickRequest(destination: host, clientAddress: clientAddress)
        guard let target = balancer.acquire(request, excluding: excluded) else { return nil }
        return TargetLease(target: target, route: routes[target.id]!)
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
