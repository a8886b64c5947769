/// Tuning for the balancing policy; each policy reads the options it needs and ignores the rest.
public struct PolicyOptions: Sendable, Equatable {
    /// `lru-per-host`: how far back the policy remembers which target served a host.
    public var historyWindow: Duration
    /// `lru-per-host`: entries remembered per host.
    public var historySize: Int
    /// `lru-per-host`: entries remembered over all hosts.
    public var historyMaxTotalEntries: Int
    /// `consistent-hash`: the part of a request that picks its target.
    public var hashKey: HashKey
    /// `consistent-hash`: no target takes more than this many times the mean load; above 1.
    public var loadFactor: Double
    /// Weighted and latency-aware policies: how long a target that joins or recovers takes to ramp up to its full
    /// weight; 0 turns slow start off.
    public var slowStart: Duration
    /// `least-response-time`: the time constant of each target's latency average, and of its decay while unused.
    public var ewmaDecay: Duration
    /// `adaptive-weighted`: the smallest share of its weight a failing or slow target keeps, in (0, 1].
    public var minWeightFactor: Double
    /// `adaptive-weighted`: how long a lowered weight takes to grow back to the full weight.
    public var recovery: Duration
    /// `auto`: how long another policy must look better without a break before `auto` switches to it.
    public var autoSustain: Duration
    /// `auto`: how long `auto` keeps a policy at least before switching again.
    public var autoMinDwell: Duration

    public init(
        historyWindow: Duration = .seconds(300),
        historySize: Int = 100,
        historyMaxTotalEntries: Int = 100_000,
        hashKey: HashKey = .clientIP,
        loadFactor: Double = 1.25,
        slowStart: Duration = .zero,
        ewmaDecay: Duration = .seconds(10),
        minWeightFactor: Double = 0.1,
        recovery: Duration = .seconds(30),
        autoSustain: Duration = .seconds(30),
        autoMinDwell: Duration = .seconds(60)
    ) {
        self.historyWindow = historyWindow
        self.historySize = historySize
        self.historyMaxTotalEntries = historyMaxTotalEntries
        self.hashKey = hashKey
        self.loadFactor = loadFactor
        self.slowStart = slowStart
        self.ewmaDecay = ewmaDecay
        self.minWeightFactor = minWeightFactor
        self.recovery = recovery
        self.autoSustain = autoSustain
        self.autoMinDwell = autoMinDwell
    }

    /// History of 5 minutes, 100 entries per host, 100000 in all; hashing on the client IP with load factor 1.25;
    /// no slow start; a 10s latency decay; adaptive weights down to 0.1, recovering over 30s; `auto` switching after
    /// 30s of a better policy, at most once a minute.
    public static let `default` = PolicyOptions()
}

/// The part of a request `consistent-hash` keys on: `hash_key`.
public enum HashKey: Sendable, Equatable, CustomStringConvertible {
    /// `client_ip`: the client's address.
    case clientIP
    /// `destination_host`: the destination host (and port, when not 80 or 443).
    case destinationHost
    /// `path`: the request path, without the query.
    case path
    /// `header:NAME`: the value of a request header.
    case header(String)
    /// `cookie:NAME`: the value of a cookie.
    case cookie(String)

    /// Reads `client_ip`, `destination_host`, `path`, `header:NAME` or `cookie:NAME` (NAME a token: letters, digits
    /// and `!#$%&'*+-.^_`|~`); nil for anything else.
    public init?(configText text: String) {
        switch text {
        case "client_ip": self = .clientIP
        case "destination_host": self = .destinationHost
        case "path": self = .path
        default:
            guard let colon = text.firstIndex(of: ":") else { return nil }
            let name = String(text[text.index(after: colon)...])
            guard !name.isEmpty, name.allSatisfy(Self.isTokenCharacter) else { return nil }
            switch text[..<colon] {
            case "header": self = .header(name)
            case "cookie": self = .cookie(name)
            default: return nil
            }
        }
    }

    /// The config text `init(configText:)` reads back.
    public var description: String {
        switch self {
        case .clientIP: "client_ip"
        case .destinationHost: "destination_host"
        case .path: "path"
        case .header(let name): "header:\(name)"
        case .cookie(let name): "cookie:\(name)"
        }
    }

    private static func isTokenCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || "!#$%&'*+-.^_`|~".contains(character))
    }
}

/// What a pool does when none of its targets in rotation is healthy: `on_all_unhealthy`.
public enum OnAllUnhealthy: String, CaseIterable, Sendable, Equatable {
    /// Send traffic to the targets with the fewest recent failures (the default).
    case leastFailed = "least-failed"
    /// Send traffic to every target in rotation.
    case all
    /// Refuse new connections (503).
    case reject
}
