import SwitchyardTraffic

/// The pins of one sticky pool: which target each sticky key is kept on, and when the key was last used.
///
/// A pin lasts `ttl` after its last use; past `maxEntries` the least recently used pin is forgotten. Expired pins
/// are dropped when met and, oldest first, whenever a pin is added or the table is read, so `count` and
/// `entries(limit:)` show live pins only. Each operation is O(1) (bar the eviction of expired pins, each paid once)
/// under one short lock, the way the pool's other shared state (the `lru-per-host` history) is kept.
///
/// Thread-safety: all members may be used from any thread at the same time.
public final class StickyTable: Sendable {
    /// One live pin, for the admin API.
    public struct Entry: Sendable, Equatable {
        public var key: String
        /// The id of the target the key is pinned to.
        public var target: String
        /// Time since the key was last used.
        public var idle: Duration
    }

    struct Pin: Sendable {
        var target: String
        /// The clock reading of the key's last use.
        var lastUse: UInt64
    }

    public let options: StickyOptions
    private let ttl: UInt64
    private let clock: any MonotonicClock
    private let pins: LockedValue<LRUCache<String, Pin>>

    /// Creates a table, taking over the pins of `previous` (a reload) whose target is among `targets` when it used
    /// the same key source; the newest pins are kept if the new `maxEntries` is smaller.
    /// - Parameter clock: the time source; a `ManualClock` in tests. `previous` must have used the same one.
    public init(
        options: StickyOptions, clock: any MonotonicClock = SystemClock(), continuing previous: StickyTable? = nil,
        targets: Set<String> = []
    ) {
        self.options = options
        self.ttl = options.ttl.monotonicNanoseconds
        self.clock = clock
        var pins = LRUCache<String, Pin>(capacity: options.maxEntries)
        if let previous, previous.options.key == options.key {
            let kept = previous.pins.withLock { $0.newestFirst(limit: options.maxEntries) }
            for (key, pin) in kept.reversed() where targets.contains(pin.target) {
                pins.set(pin, for: key)
            }
        }
        self.pins = LockedValue(pins)
    }

    /// The target `key` is pinned to, or nil when it has no live pin. Does not count as a use: a use is a
    /// connection the target took (`pin(_:to:)`).
    public func target(for key: String) -> String? {
        pins.withLock { pins in
            let now = clock.nanoseconds()
            guard let pin = pins.peekValue(for: key) else { return nil }
            guard !isExpired(pin, at: now) else {
                pins.removeValue(for: key)
                return nil
            }
            return pin.target
        }
    }

    /// Pins `key` to `target` as of now: a new pin, a move, or a use of the pin it has.
    public func pin(_ key: String, to target: String) {
        pins.withLock { pins in
            let now = clock.nanoseconds()
            dropExpired(from: &pins, at: now)
            pins.set(Pin(target: target, lastUse: now), for: key)
        }
    }

    /// Counts now as a use of `key`'s pin, if it is still pinned to `target` (a connection through it ended).
    public func touch(_ key: String, target: String) {
        pins.withLock { pins in
            let now = clock.nanoseconds()
            guard let pin = pins.peekValue(for: key), pin.target == target, !isExpired(pin, at: now) else { return }
            pins.set(Pin(target: target, lastUse: now), for: key)
        }
    }

    /// The number of live pins.
    public var count: Int {
        pins.withLock { pins in
            dropExpired(from: &pins, at: clock.nanoseconds())
            return pins.count
        }
    }

    /// Up to `limit` live pins, the most recently used first.
    public func entries(limit: Int = .max) -> [Entry] {
        let (live, now) = pins.withLock { pins in
            let now = clock.nanoseconds()
            dropExpired(from: &pins, at: now)
            return (pins.newestFirst(limit: limit), now)
        }
        return live.map { Entry(key: $0.key, target: $0.value.target, idle: .nanoseconds(now &- $0.value.lastUse)) }
    }

    private func isExpired(_ pin: Pin, at now: UInt64) -> Bool {
        now &- pin.lastUse > ttl
    }

    /// Forgets expired pins, oldest first: recency order is last-use order, so they are all at the old end.
    private func dropExpired(from pins: inout LRUCache<String, Pin>, at now: UInt64) {
        while let oldest = pins.oldestEntry, isExpired(oldest.value, at: now) {
            pins.removeValue(for: oldest.key)
        }
    }
}
