/// A bounded cache of DNS resolutions: the addresses a name resolved to, kept for the answer's TTL clamped to
/// `[minTTL, maxTTL]`, and failed or empty lookups kept for `negativeTTL`; the least recently used name is forgotten
/// first when it is full. Names compare case-insensitively and without a trailing dot.
///
/// Thread-safety: a value type with no synchronisation; the resolver keeps it in a `LockedValue`.
public struct DNSCache: Sendable {
    /// The limits of the cache.
    public struct Configuration: Sendable, Equatable {
        /// The most names kept.
        public var capacity: Int
        /// The shortest time an answer is kept, whatever its TTL (0: as the answer says).
        public var minTTL: Duration
        /// The longest time an answer is kept, whatever its TTL.
        public var maxTTL: Duration
        /// How long a failed or empty lookup is kept (0: not at all).
        public var negativeTTL: Duration

        public init(capacity: Int, minTTL: Duration, maxTTL: Duration, negativeTTL: Duration) {
            self.capacity = capacity
            self.minTTL = minTTL
            self.maxTTL = maxTTL
            self.negativeTTL = negativeTTL
        }
    }

    /// What the cache knows of a name.
    public enum Lookup: Equatable {
        /// The addresses, still fresh.
        case addresses([IPAddress])
        /// The name did not resolve, and that is still fresh.
        case failed
        /// Nothing fresh: ask the resolver.
        case miss
    }

    private struct Entry: Sendable {
        /// Empty for a negative entry.
        var addresses: [IPAddress]
        var expires: UInt64
    }

    public let configuration: Configuration
    private var entries: LRUCache<String, Entry>

    public init(_ configuration: Configuration) {
        self.configuration = configuration
        self.entries = LRUCache(capacity: max(1, configuration.capacity))
    }

    /// How many names are held, expired ones included until they are looked up or evicted.
    public var count: Int { entries.count }

    /// What is fresh for `name` at `now` (a `MonotonicClock` reading); an expired entry is dropped.
    public mutating func lookup(_ name: String, now: UInt64) -> Lookup {
        let key = Self.key(name)
        guard let entry = entries.value(for: key) else { return .miss }
        guard now < entry.expires else {
            entries.removeValue(for: key)
            return .miss
        }
        return entry.addresses.isEmpty ? .failed : .addresses(entry.addresses)
    }

    /// Records what a lookup of `name` found at `now`: its addresses with the answer's `ttl` (the smallest TTL of
    /// its records), or none, which is kept as a failure for `negativeTTL`. Nothing is kept for a time of 0.
    public mutating func store(_ name: String, addresses: [IPAddress], ttl: Duration, now: UInt64) {
        let kept =
            addresses.isEmpty
            ? configuration.negativeTTL
            : min(max(ttl, configuration.minTTL), configuration.maxTTL)
        let key = Self.key(name)
        guard kept > .zero else {
            entries.removeValue(for: key)
            return
        }
        let (expires, overflow) = now.addingReportingOverflow(kept.monotonicNanoseconds)
        entries.set(Entry(addresses: addresses, expires: overflow ? .max : expires), for: key)
    }

    private static func key(_ name: String) -> String {
        DestinationPolicy.normalize(name)
    }
}
