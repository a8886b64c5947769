import NIOCore
import SwitchyardConfig
import SwitchyardProxy
import SwitchyardTraffic

extension DNSSettings {
    /// The resolver these settings describe, with an empty cache.
    func makeResolver() -> HostResolver {
        HostResolver(
            HostResolver.Configuration(
                servers: servers.compactMap { try? SocketAddress(ipAddress: $0.host, port: $0.port) },
                timeout: TimeAmount(timeout),
                cache: DNSCache.Configuration(
                    capacity: cacheSize, minTTL: minTTL, maxTTL: maxTTL, negativeTTL: negativeTTL),
                systemTTL: Self.systemTTL))
    }
}
