/// A pool's sticky sessions (`sticky:`): which part of a request pins it to a target, how long an unused pin lasts,
/// how many pins are kept, and what happens when a pinned target is down.
///
/// Thread-safety: a `Sendable` value.
public struct StickyOptions: Sendable, Equatable {
    /// What a pinned target that is down (unhealthy, disabled, draining or removed) means for its key.
    public enum TargetDownAction: String, Sendable, Equatable, CaseIterable {
        /// Pick another target by the pool's policy and pin the key to it (the access log says `moved from`).
        case repick
        /// Refuse the request (502; a SOCKS5 general-failure reply) until the target is back or the pin expires.
        case fail
    }

    /// Where a request's sticky key comes from.
    public var key: StickyKeySource
    /// How long a pin lasts after its last use. Default: 10 minutes.
    public var ttl: Duration
    /// The most pins kept; past it the least recently used is forgotten first. At least 1. Default: 100,000.
    public var maxEntries: Int
    /// Default: `repick`.
    public var onTargetDown: TargetDownAction

    /// Creates options, each defaulting as documented on its property.
    public init(
        key: StickyKeySource, ttl: Duration = .seconds(600), maxEntries: Int = 100_000,
        onTargetDown: TargetDownAction = .repick
    ) {
        self.key = key
        self.ttl = ttl
        self.maxEntries = maxEntries
        self.onTargetDown = onTargetDown
    }
}
