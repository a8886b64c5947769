/// Which destinations a forward listener may dial: the listener's ordered allow/deny rules (first match wins) over
/// built-in safe defaults.
///
/// A destination is checked twice: by its name before any lookup (`address` nil), which can only deny, and then
/// for every address the name resolved to (or the literal address), which decides. How a decision is reached:
/// 1. The proxy's own listener and admin addresses are always denied (`self-address`): no loops, no
///    self-administration, whatever the rules say.
/// 2. The first rule matching the request decides. A `deny` rule denies. An `allow` rule with `cidrs` allows (it
///    vouches for the address itself). An `allow` rule without `cidrs` lifts the CONNECT port default only: the
///    address defaults below still apply, so a host name cannot be pointed (or rebound) at a private or metadata
///    address.
/// 3. The built-in defaults: `metadata` (169.254.0.0/16, fe80::/10, fd00:ec2::254, `metadata.google.internal`),
///    `reserved-address` (0.0.0.0/8, ::, multicast 224.0.0.0/4 and ff00::/8, 255.255.255.255), `private-address`
///    (loopback 127.0.0.0/8 and ::1, 10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) unless `allowPrivate`, and
///    `connect-port` (CONNECT only to port 443) unless an allow rule matched.
/// 4. Anything else is allowed.
public struct DestinationPolicy: Sendable {
    /// One configured rule. Empty lists match anything; a rule matches when every non-empty list has a match.
    public struct Rule: Sendable {
        public enum Action: Sendable { case allow, deny }

        /// What names the rule in a refusal, the log and `switchyard_denied_total`.
        public var name: String
        public var action: Action
        public var hosts: [HostPattern]
        public var networks: [IPNetwork]
        public var ports: [ClosedRange<Int>]
        public var methods: [Method]
        public var users: [String]

        public init(
            name: String, action: Action, hosts: [HostPattern] = [], networks: [IPNetwork] = [],
            ports: [ClosedRange<Int>] = [], methods: [Method] = [], users: [String] = []
        ) {
            self.name = name
            self.action = action
            self.hosts = hosts
            self.networks = networks
            self.ports = ports
            self.methods = methods
            self.users = users
        }

        /// Whether the rule matches; nil when that depends on an address not known yet.
        func matches(_ request: Request, address: IPAddress?) -> Bool? {
            guard ports.isEmpty || ports.contains(where: { $0.contains(request.port) }),
                methods.isEmpty || methods.contains(request.method),
                users.isEmpty || request.user.map(users.contains) == true,
                hosts.isEmpty || hosts.contains(where: { $0.matches(request.host) })
            else { return false }
            guard !networks.isEmpty else { return true }
            guard let address else { return nil }
            return networks.contains { $0.contains(address) }
        }
    }

    /// How a request reaches its destination.
    public enum Method: Sendable, Equatable {
        /// A CONNECT tunnel.
        case connect
        /// A plain (absolute-URI) HTTP request.
        case plain
    }

    /// A host name to match: exactly, or any name below a suffix (`*.example.com` matches `a.example.com` and
    /// `a.b.example.com`, not `example.com`). Case and a trailing dot do not matter.
    public enum HostPattern: Sendable, Equatable {
        case exact(String)
        /// The suffix with its leading dot, `.example.com`.
        case suffix(String)

        /// Reads `name` or `*.suffix`.
        public init(_ text: String) {
            let normalized = DestinationPolicy.normalize(text)
            if normalized.hasPrefix("*.") {
                self = .suffix(String(normalized.dropFirst()))
            } else {
                self = .exact(normalized)
            }
        }

        func matches(_ host: String) -> Bool {
            switch self {
            case .exact(let name): host == name
            case .suffix(let suffix): host.count > suffix.count && host.hasSuffix(suffix)
            }
        }
    }

    /// What is being asked for.
    public struct Request: Sendable {
        /// The host as the client named it (a name or an address literal), normalized.
        public var host: String
        public var port: Int
        public var method: Method
        /// The authenticated proxy user, if the listener has users.
        public var user: String?

        public init(host: String, port: Int, method: Method, user: String?) {
            self.host = DestinationPolicy.normalize(host)
            self.port = port
            self.method = method
            self.user = user
        }
    }

    public enum Verdict: Sendable, Equatable {
        case allowed
        /// Refused by the rule (configured or built in) with this name.
        case denied(rule: String)
        /// Only an address can decide: resolve the name and check each address.
        case needsAddress
    }

    /// Names of the built-in rules.
    public enum BuiltIn {
        public static let selfAddress = "self-address"
        public static let metadata = "metadata"
        public static let reserved = "reserved-address"
        public static let privateAddress = "private-address"
        public static let connectPort = "connect-port"
    }

    public var allowPrivate: Bool
    public var rules: [Rule]
    /// The proxy's own listener and admin addresses.
    public let selfEndpoints: SelfEndpoints

    public init(allowPrivate: Bool = false, rules: [Rule] = [], selfEndpoints: SelfEndpoints = SelfEndpoints()) {
        self.allowPrivate = allowPrivate
        self.rules = rules
        self.selfEndpoints = selfEndpoints
    }

    /// Decides `request` for `address` (the literal, or one address the name resolved to); without an address,
    /// decides what the name alone can decide (a denial) and otherwise asks for the address.
    public func check(_ request: Request, address: IPAddress?) -> Verdict {
        if let address, selfEndpoints.contains(address, port: request.port) { return .denied(rule: BuiltIn.selfAddress) }
        for rule in rules {
            guard let matched = rule.matches(request, address: address) else { return .needsAddress }
            guard matched else { continue }
            switch rule.action {
            case .deny: return .denied(rule: rule.name)
            case .allow where !rule.networks.isEmpty: return .allowed
            case .allow: return defaults(request, address: address, portAllowed: true)
            }
        }
        return defaults(request, address: address, portAllowed: false)
    }

    private func defaults(_ request: Request, address: IPAddress?, portAllowed: Bool) -> Verdict {
        if Self.metadataHosts.contains(request.host) { return .denied(rule: BuiltIn.metadata) }
        if !portAllowed, request.method == .connect, request.port != 443 { return .denied(rule: BuiltIn.connectPort) }
        guard let address else { return .needsAddress }
        if Self.metadataNetworks.contains(where: { $0.contains(address) }) { return .denied(rule: BuiltIn.metadata) }
        if Self.reservedNetworks.contains(where: { $0.contains(address) }) { return .denied(rule: BuiltIn.reserved) }
        if !allowPrivate, Self.privateNetworks.contains(where: { $0.contains(address) }) {
            return .denied(rule: BuiltIn.privateAddress)
        }
        return .allowed
    }

    static let metadataHosts: Set<String> = ["metadata.google.internal"]
    static let metadataNetworks = networks("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128")
    static let reservedNetworks = networks("0.0.0.0/8", "::/128", "224.0.0.0/4", "ff00::/8", "255.255.255.255/32")
    static let privateNetworks = networks(
        "127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")

    private static func networks(_ texts: String...) -> [IPNetwork] {
        texts.map { IPNetwork($0)! }
    }

    /// A host as rules compare it: lower case, without a trailing dot.
    static func normalize(_ host: String) -> String {
        let lowered = host.lowercased()
        return lowered.hasSuffix(".") ? String(lowered.dropLast()) : lowered
    }
}

/// The addresses Switchyard itself listens on (proxy listeners and the admin endpoint), which no forward request may
/// dial. Filled as listeners bind, since a configured port 0 is only known then.
///
/// Thread-safety: all members may be used from any thread at the same time.
public final class SelfEndpoints: Sendable {
    private struct Endpoints {
        var exact: Set<Endpoint> = []
        /// Ports bound on every local address (0.0.0.0 or ::).
        var wildcardPorts: Set<Int> = []
        /// The machine's interface addresses, which reach a wildcard listener.
        var localAddresses: Set<IPAddress> = []
    }

    private struct Endpoint: Hashable {
        var address: IPAddress
        var port: Int
    }

    private let endpoints = LockedValue(Endpoints())

    public init() {}

    /// Records a listening address; an unspecified one (`0.0.0.0`, `::`) stands for every local address.
    public func add(_ address: IPAddress, port: Int) {
        endpoints.withLock { endpoints in
            if address.isUnspecified {
                endpoints.wildcardPorts.insert(port)
            } else {
                endpoints.exact.insert(Endpoint(address: address, port: port))
            }
        }
    }

    /// Records the machine's interface addresses, through which a wildcard listener is reached too.
    public func addLocalAddresses(_ addresses: [IPAddress]) {
        endpoints.withLock { $0.localAddresses.formUnion(addresses) }
    }

    /// Whether dialling `address:port` reaches Switchyard itself. Connecting to an unspecified address reaches
    /// the local host, so that counts for every listening port.
    public func contains(_ address: IPAddress, port: Int) -> Bool {
        endpoints.withLock { endpoints in
            if endpoints.exact.contains(Endpoint(address: address, port: port)) { return true }
            let listensOnPort =
                endpoints.wildcardPorts.contains(port) || endpoints.exact.contains { $0.port == port }
            guard listensOnPort else { return false }
            if address.isUnspecified { return true }
            return endpoints.wildcardPorts.contains(port)
                && (address.isLoopback || endpoints.localAddresses.contains(address))
        }
    }
}

extension IPAddress {
    /// `0.0.0.0` or `::`.
    public var isUnspecified: Bool { high == 0 && low == 0 }

    /// In 127.0.0.0/8 or `::1`.
    public var isLoopback: Bool {
        switch family {
        case .v4: low >> 24 == 127
        case .v6: high == 0 && low == 1
        }
    }
}
