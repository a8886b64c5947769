import Yams

/// Where a forward listener may connect (`destinations:`), on a listener or as the default at the root.
///
/// Rules are checked in order and the first match decides; what no rule decides falls to the built-in defaults:
/// cloud metadata and link-local addresses, 0.0.0.0/8, multicast, broadcast and Switchyard's own listener and admin
/// addresses are denied, CONNECT goes only to port 443, and loopback and private ranges are denied unless
/// `allowPrivate`. An allow rule with `cidrs` opens the addresses it names; an allow rule without them lifts the
/// CONNECT port default only (a host name is never trusted to resolve somewhere safe). Switchyard's own addresses
/// stay denied whatever the rules say.
public struct DestinationSettings: Sendable, Equatable {
    /// Allow loopback (127.0.0.0/8, ::1) and private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7).
    public var allowPrivate: Bool
    public var rules: [DestinationRule]

    public init(allowPrivate: Bool = false, rules: [DestinationRule] = []) {
        self.allowPrivate = allowPrivate
        self.rules = rules
    }

    /// Private ranges denied, no rules: only the built-in defaults.
    public static let `default` = DestinationSettings()
}

/// One destination rule. Each list left empty matches anything; a rule matches a request when every list it has
/// matches.
public struct DestinationRule: Sendable, Equatable {
    public enum Action: String, CaseIterable, Sendable, Equatable {
        case allow, deny
    }

    /// How the request reaches its destination.
    public enum Method: String, CaseIterable, Sendable, Equatable {
        /// A CONNECT tunnel.
        case connect = "CONNECT"
        /// A plain HTTP request (absolute URI).
        case plain

        /// Reads `CONNECT` or `plain`, in any case.
        init?(configText: String) {
            switch configText.lowercased() {
            case "connect": self = .connect
            case "plain": self = .plain
            default: return nil
            }
        }
    }

    /// What a refusal, the log and `switchyard_denied_total` call the rule; nil names it by its place
    /// (`rules[2]`).
    public var name: String?
    public var action: Action
    /// Host names as the client wrote them: exact (`api.example.com`) or every name below a suffix
    /// (`*.example.com`, not `example.com` itself).
    public var hosts: [String]
    /// Address blocks (`10.0.0.0/8`, `2001:db8::/32`, or one address) the dialled address must be in.
    public var cidrs: [String]
    public var ports: [PortRange]
    public var methods: [Method]
    /// Proxy users (the listener's `auth`); a request without a user matches no rule that lists users.
    public var users: [String]

    public init(
        name: String? = nil, action: Action, hosts: [String] = [], cidrs: [String] = [], ports: [PortRange] = [],
        methods: [Method] = [], users: [String] = []
    ) {
        self.name = name
        self.action = action
        self.hosts = hosts
        self.cidrs = cidrs
        self.ports = ports
        self.methods = methods
        self.users = users
    }
}

/// A port (`443`) or an inclusive range of ports (`"8000-9000"`).
public struct PortRange: Sendable, Equatable, CustomStringConvertible {
    public var lower: Int
    public var upper: Int

    public init(_ lower: Int, _ upper: Int? = nil) {
        self.lower = lower
        self.upper = upper ?? lower
    }

    public var description: String { lower == upper ? "\(lower)" : "\(lower)-\(upper)" }

    /// Parses `PORT` or `LOW-HIGH` (1-65535, low not above high), explaining what is wrong otherwise.
    static func parse(_ text: String) throws(ValueError) -> PortRange {
        let problem = ValueError(
            "\"\(text)\" is not a port or port range; write e.g. 443 or \"8000-9000\" (1-65535, low-high)")
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count) else { throw problem }
        let ports = parts.map { part in
            part.count <= 5 && !part.isEmpty && part.allSatisfy(\.isASCIIDigit) ? Int(part) : nil
        }
        guard let lower = ports.first ?? nil, let upper = ports.last ?? nil, 1 <= lower, lower <= upper,
            upper <= 65535
        else { throw problem }
        return PortRange(lower, upper)
    }
}

extension YAMLScalar {
    /// A port written as a number, or a port or range written as a string.
    static func portRange(_ node: Node) throws(ValueError) -> PortRange {
        try PortRange.parse(try string(node))
    }
}
