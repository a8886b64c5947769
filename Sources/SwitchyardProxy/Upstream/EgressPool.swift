import NIOCore
import SwitchyardBalancing

/// A pool as the data path uses it: the balancer over its targets, the egress route of each target, and the
/// idle upstream connections of each event loop.
public final class EgressPool: Sendable {
    public let name: String
    public let balancer: TargetPool
    private let routes: [String: EgressRoute]
    private let idleConnections: [ObjectIdentifier: UpstreamConnectionPoolBox]

    /// - Parameters:
    ///   - sourceIPs: each target's optional source IP, by target identity.
    public init(
        name: String,
        balancer: TargetPool,
        sourceIPs: [String: String?],
        eventLoops: [any EventLoop],
        maxIdlePerDestination: Int,
        idleTimeout: TimeAmount
    ) throws {
        self.name = name
        self.balancer = balancer
        var routes: [String: EgressRoute] = [:]
        for target in balancer.targets {
            routes[target.id] = try EgressRoute(id: target.id, sourceIP: sourceIPs[target.id] ?? nil)
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
    func acquire(for destination: ProxyDestination, clientAddress: String?) -> EgressLease? {
        let key = DestinationKey.make(host: destination.host, port: destination.port)
        guard let target = balancer.acquire(PickRequest(destination: key, clientAddress: clientAddress)) else {
            return nil
        }
        return EgressLease(target: target, route: routes[target.id]!)
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
