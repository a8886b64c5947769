import NIOCore
import NIOPosix
import SwitchyardTraffic

/// Resolves the host names Switchyard dials — forward and SOCKS5 destinations, backends named by host — through a
/// bounded cache: from configured DNS servers (A and AAAA asked at once, the answers' TTLs kept) or, without
/// servers, the system resolver. The addresses go to NIO's Happy Eyeballs connector (RFC 8305) through
/// `ResolvedAddresses`, which races IPv6 and IPv4; a destination policy checks every one of them first.
///
/// Thread-safety: all members may be used from any thread at the same time.
public final class HostResolver: Sendable {
    /// Where names are looked up and how long answers are kept.
    public struct Configuration: Sendable {
        /// DNS servers asked in turn over UDP; empty uses the system resolver.
        public var servers: [SocketAddress]
        /// How long one server has to answer.
        public var timeout: TimeAmount
        /// The cache's size and TTL bounds.
        public var cache: DNSCache.Configuration
        /// The TTL of the system resolver's answers, which carry none.
        public var systemTTL: Duration

        public init(servers: [SocketAddress], timeout: TimeAmount, cache: DNSCache.Configuration, systemTTL: Duration) {
            self.servers = servers
            self.timeout = timeout
            self.cache = cache
            self.systemTTL = systemTTL
        }
    }

    /// Asks `dns.servers`; nil for the system resolver.
    let client: DNSClient?
    private let systemTTL: Duration
    private let cache: LockedValue<DNSCache>
    private let clock: any MonotonicClock

    public init(_ configuration: Configuration, clock: any MonotonicClock = SystemClock()) {
        self.client = configuration.servers.isEmpty
            ? nil : DNSClient(servers: configuration.servers, timeout: configuration.timeout)
        self.systemTTL = configuration.systemTTL
        self.cache = LockedValue(DNSCache(configuration.cache))
        self.clock = clock
    }

    /// The system resolver with a small cache, for pools built without a resolver of their own.
    public static let system = HostResolver(
        Configuration(
            servers: [], timeout: .seconds(2),
            cache: DNSCache.Configuration(capacity: 1024, minTTL: .zero, maxTTL: .seconds(30), negativeTTL: .zero),
            systemTTL: .seconds(30)))

    /// The addresses of `host` with `port` (an address literal is its own), from the cache when fresh; fails with
    /// `UpstreamFailure.dnsFailure` when the name has none.
    func addresses(of host: String, port: Int, on eventLoop: any EventLoop) -> EventLoopFuture<[SocketAddress]> {
        if let literal = try? SocketAddress(ipAddress: host, port: port) {
            return eventLoop.makeSucceededFuture([literal])
        }
        let found: EventLoopFuture<[IPAddress]>
        switch cache.withLock({ $0.lookup(host, now: clock.nanoseconds()) }) {
        case .addresses(let addresses):
            found = eventLoop.makeSucceededFuture(addresses)
        case .failed:
            found = eventLoop.makeFailedFuture(UpstreamFailure.dnsFailure(host: host))
        case .miss:
            found = lookUp(host, on: eventLoop).flatMapThrowing { answer in
                guard let (addresses, ttl) = answer else { throw UpstreamFailure.dnsFailure(host: host) }
                self.cache.withLock { $0.store(host, addresses: addresses, ttl: ttl, now: self.clock.nanoseconds()) }
                guard !addresses.isEmpty else { throw UpstreamFailure.dnsFailure(host: host) }
                return addresses
            }
        }
        return found.flatMapThrowing { addresses in
            try addresses.map { try SocketAddress(ipAddress: $0.description, port: port) }
        }
    }

    /// Asks for `host`'s addresses afresh: both families from the DNS servers, with the smallest TTL of the
    /// answers, or the system resolver's with `systemTTL`. A name that does not resolve has no addresses; nil when
    /// the lookup could not be made at all (no server answered either question), which is not cached.
    private func lookUp(_ host: String, on eventLoop: any EventLoop) -> EventLoopFuture<([IPAddress], Duration)?> {
        guard let client else {
            return HostLookup.addresses(of: host, on: eventLoop).map { [systemTTL] in ($0, systemTTL) }
        }
        let v6 = client.query(host, type: .aaaa, on: eventLoop).map(Optional.some).recover { _ in nil }
        let v4 = client.query(host, type: .a, on: eventLoop).map(Optional.some).recover { _ in nil }
        return v6.and(v4).map { v6, v4 in
            guard v6 != nil || v4 != nil else { return nil }
            let records = (v6?.records ?? []) + (v4?.records ?? [])
            let addresses = records.compactMap { record -> IPAddress? in
                if case .address(let address, _) = record { address } else { nil }
            }
            return (addresses, .seconds(Int64(records.map(\.ttl).min() ?? 0)))
        }
    }
}

/// Gives a connection attempt addresses already resolved (and checked), so NIO's Happy Eyeballs connector races
/// them instead of looking the name up again.
struct ResolvedAddresses: Resolver, Sendable {
    let addresses: [SocketAddress]
    let eventLoop: any EventLoop

    func initiateAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        eventLoop.makeSucceededFuture(addresses.filter { $0.protocol == .inet })
    }

    func initiateAAAAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        eventLoop.makeSucceededFuture(addresses.filter { $0.protocol == .inet6 })
    }

    func cancelQueries() {}
}
