/// A pool whose targets come from DNS (`discover:`): the name is looked up every `interval`, and the pool's targets
/// become the backends it names — targets that appear join (with the pool's slow start), targets that vanish leave
/// selection while their open requests finish. A lookup that fails or finds nothing keeps the current targets.
public struct DiscoverSettings: Sendable, Equatable {
    /// Which records name the backends.
    public enum RecordType: String, CaseIterable, Sendable {
        /// IPv4 addresses, each a backend on `port`.
        case a = "A"
        /// IPv6 addresses, each a backend on `port`.
        case aaaa = "AAAA"
        /// Service records: each names a host and port (and a weight); only the lowest priority is used.
        case srv = "SRV"
    }

    /// How the discovered backends are spoken to.
    public enum Scheme: String, CaseIterable, Sendable {
        case http, https
    }

    /// The name looked up (`dns`).
    public var name: String
    public var type: RecordType
    /// How often the name is looked up again. Default: 30 seconds.
    public var interval: Duration
    /// The backends' port for A and AAAA records (SRV records carry their own).
    public var port: Int?
    /// Default: http.
    public var scheme: Scheme

    public init(
        name: String, type: RecordType = .a, interval: Duration = .seconds(30), port: Int? = nil, scheme: Scheme = .http
    ) {
        self.name = name
        self.type = type
        self.interval = interval
        self.port = port
        self.scheme = scheme
    }

    /// One backend a lookup found.
    public struct Endpoint: Sendable, Equatable {
        /// An address, or the host name an SRV record names.
        public var host: String
        public var port: Int
        /// The share of traffic (an SRV record's weight; 1 for addresses).
        public var weight: Int

        public init(host: String, port: Int, weight: Int = 1) {
            self.host = host
            self.port = port
            self.weight = weight
        }

        /// The target URL, with an IPv6 address in brackets.
        func url(scheme: Scheme) -> String {
            let host = self.host.contains(":") ? "[\(self.host)]" : self.host
            return "\(scheme.rawValue)://\(host):\(port)"
        }
    }

    /// The pool's targets after a lookup found `endpoints`: a target still found keeps its settings as they are
    /// (an admin's weight edit included), a new one is added with the record's weight (within 1 and the largest
    /// weight), one no longer found is dropped. Nothing found keeps `current`.
    public func targets(after endpoints: [Endpoint], current: [TargetSettings]) -> [TargetSettings] {
        guard !endpoints.isEmpty else { return current }
        let existing = Dictionary(current.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var seen: Set<String> = []
        return endpoints.compactMap { endpoint in
            let url = endpoint.url(scheme: scheme)
            guard seen.insert(url).inserted else { return nil }
            return existing[url]
                ?? TargetSettings(url: url, weight: min(max(endpoint.weight, 1), TargetSettings.maxWeight))
        }
    }
}
