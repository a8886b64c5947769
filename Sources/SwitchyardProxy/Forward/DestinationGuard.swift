import NIOCore
import SwitchyardTraffic

/// A forward listener's destination policy at work. A destination is screened by name when the request is planned
/// (a denial there costs no lookup), then resolved once and every address checked just before dialling: the
/// connection goes only to addresses the policy allows, so a name that resolves (or is rebound) to a refused address
/// never reaches it. Each denial is counted in `switchyard_denied_total` as it is made; a request is denied at most
/// once, so it is counted once.
///
/// Thread-safety: all members may be used from any thread at the same time.
public final class DestinationGuard: Sendable {
    let policy: DestinationPolicy
    let metrics: ListenerMetrics?

    public init(policy: DestinationPolicy, metrics: ListenerMetrics?) {
        self.policy = policy
        self.metrics = metrics
    }

    /// The check of one request's destination, carried to where it is dialled.
    struct Check {
        let owner: DestinationGuard
        let request: DestinationPolicy.Request

        /// Whether an open connection to `address` (a pooled one) may carry this request; counts nothing.
        func permits(_ address: SocketAddress?) -> Bool {
            guard let address = address.flatMap(IPAddress.init) else { return false }
            return owner.policy.check(request, address: address) == .allowed
        }
    }

    func check(_ destination: ProxyDestination, method: DestinationPolicy.Method, user: String?) -> Check {
        Check(
            owner: self, request: DestinationPolicy.Request(host: destination.host, port: destination.port, method: method, user: user))
    }

    /// What the name (or address literal) alone decides: a denial, or nil when the destination may be dialled
    /// subject to the addresses it resolves to.
    func screen(_ check: Check) -> DestinationDenial? {
        let request = check.request
        guard case .denied(let rule) = policy.check(request, address: IPAddress(request.host)) else { return nil }
        return deny(request, rule: rule, address: nil)
    }

    /// Resolves the destination with `resolver` (an address literal is not looked up) and keeps the addresses the
    /// policy allows, in the resolver's order; fails with `UpstreamFailure.denied` when it allows none, or
    /// `.dnsFailure`. Every address is checked, each time: a cached verdict could be rebound.
    func resolve(
        _ check: Check, with resolver: HostResolver, on eventLoop: any EventLoop
    ) -> EventLoopFuture<[SocketAddress]> {
        let request = check.request
        return resolver.addresses(of: request.host, port: request.port, on: eventLoop).flatMapThrowing { addresses in
            var denial: (rule: String, address: IPAddress)?
            let allowed = addresses.filter { socketAddress in
                guard let address = IPAddress(socketAddress) else { return false }
                switch self.policy.check(request, address: address) {
                case .allowed:
                    return true
                case .denied(let rule):
                    if denial == nil { denial = (rule, address) }
                    return false
                case .needsAddress:
                    return false
                }
            }
            guard allowed.isEmpty else { return allowed }
            guard let denial else { throw UpstreamFailure.dnsFailure(host: request.host) }
            throw UpstreamFailure.denied(self.deny(request, rule: denial.rule, address: denial.address))
        }
    }

    private func deny(_ request: DestinationPolicy.Request, rule: String, address: IPAddress?) -> DestinationDenial {
        metrics?.denied(rule: rule)
        return DestinationDenial(host: request.host, port: request.port, address: address, rule: rule)
    }
}

/// A destination the policy refused, as the client's 403 and the access log name it.
struct DestinationDenial: Error, CustomStringConvertible {
    var host: String
    var port: Int
    /// The resolved address refused, when the host is a name.
    var address: IPAddress?
    var rule: String

    var description: String {
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        let resolved = address.map { $0.description == host ? "" : " (\($0))" } ?? ""
        return "destination \(authority)\(resolved) denied by rule \(rule)"
    }
}

extension IPAddress {
    /// The IP address of an IPv4 or IPv6 socket address; nil for other kinds.
    init?(_ socketAddress: SocketAddress) {
        switch socketAddress {
        case .v4(let address):
            self.init(v4: UInt32(bigEndian: address.address.sin_addr.s_addr))
        case .v6(let address):
            var raw = address.address.sin6_addr
            self.init(v6: withUnsafeBytes(of: &raw) { Array($0) })
        default:
            return nil
        }
    }
}
