import NIOCore
import SwitchyardTraffic

/// Fresh lookups for pools that discover their targets in DNS: the cache is neither read nor filled, so each one
/// sees the records as they are now.
extension HostResolver {
    /// What to look up.
    public enum DiscoveryQuery: Sendable {
        /// The IPv4 (`v6` false) or IPv6 addresses of the name, each a backend on `port`.
        case addresses(v6: Bool, port: Int)
        /// The name's SRV records of the lowest priority; needs DNS servers.
        case services
    }

    /// One backend a lookup found.
    public struct DiscoveredBackend: Sendable, Equatable {
        /// An address literal, or the host name an SRV record names.
        public var host: String
        public var port: Int
        public var weight: Int
    }

    /// The backends `name` names now: empty when it has none (or does not exist); nil when the lookup could not be
    /// made (no server answered, or SRV records asked of the system resolver).
    public func discover(
        _ name: String, _ query: DiscoveryQuery, on eventLoop: any EventLoop
    ) -> EventLoopFuture<[DiscoveredBackend]?> {
        switch (query, client) {
        case (.services, nil):
            return eventLoop.makeSucceededFuture(nil)
        case (.services, let client?):
            return client.query(name, type: .srv, on: eventLoop).map { response in
                let services = response.records.compactMap { record -> (DiscoveredBackend, priority: Int)? in
                    guard case .service(let target, let port, let priority, let weight, _) = record else { return nil }
                    return (DiscoveredBackend(host: target, port: port, weight: weight), priority)
                }
                let lowest = services.map(\.priority).min()
                return services.filter { $0.priority == lowest }.map(\.0)
            }.recover { _ in nil }
        case (.addresses(let v6, let port), nil):
            return HostLookup.addresses(of: name, on: eventLoop).map { addresses in
                addresses.filter { ($0.family == .v6) == v6 }.map {
                    DiscoveredBackend(host: $0.description, port: port, weight: 1)
                }
            }
        case (.addresses(let v6, let port), let client?):
            return client.query(name, type: v6 ? .aaaa : .a, on: eventLoop).map { response in
                response.records.compactMap { record -> DiscoveredBackend? in
                    guard case .address(let address, _) = record else { return nil }
                    return DiscoveredBackend(host: address.description, port: port, weight: 1)
                }
            }.recover { _ in nil }
        }
    }
}
