import SwitchyardTraffic

/// Spreads each destination host's requests evenly over the targets, so that no target carries a host's traffic
/// much more than another (for instance to stay under per-source-address rate limits at that host).
///
/// For each destination key the policy remembers the selections of the last `historyWindow`, at most the newest
/// `historySize` of them, and counts them per target. Among the selectable targets it prefers the lowest count, then
/// the one whose last use for that host is oldest (a target never used for the host counts as oldest, and among
/// those the lowest index wins). Only the target that `admit` accepts is recorded. Last use is remembered for as long
/// as the host has any history, so targets keep rotating when their selections age out of the window.
///
/// Ranking, admission and recording happen under one lock, so a burst of concurrent picks for one host spreads over
/// the targets instead of landing on one. Expired selections are dropped when their host is next picked; at most
/// `historyMaxTotalEntries` selections are kept across all hosts, forgetting the oldest first, and a host with none
/// left is forgotten entirely. History is keyed by target `id`, so one policy may keep serving a pool whose target
/// list changed on reload.
///
/// Thread-safety: `pick` and the counters may be called from any thread at the same time; a pick holds the policy's
/// lock for its O(n) scan.
public final class LRUPerHostPolicy: BalancingPolicy {
    /// The name that selects this policy in the configuration.
    public static let configName = "lru-per-host"

    /// The settings the policy was created with.
    public let options: LRUPerHostOptions

    private let clock: any MonotonicClock
    private let state: LockedValue<LRUPerHostState>

    /// Creates a policy with no history.
    /// - Parameters:
    ///   - options: the window and size limits; sizes must be at least 1 and the window must not be negative.
    ///   - clock: the time source for the window.
    public init(options: LRUPerHostOptions, clock: any MonotonicClock = SystemClock()) {
        precondition(options.historyWindow >= .zero, "historyWindow cannot be negative")
        precondition(options.historySize >= 1, "historySize must be at least 1")
        precondition(options.historyMaxTotalEntries >= 1, "historyMaxTotalEntries must be at least 1")
        self.options = options
        self.clock = clock
        self.state = LockedValue(LRUPerHostState(options: options))
    }

    /// Selections remembered across all hosts, expired ones not yet dropped included.
    public var totalHistoryEntries: Int {
        state.withLock { $0.liveEntries }
    }

    /// Hosts with at least one remembered selection.
    public var trackedHosts: Int {
        state.withLock { $0.hosts.count }
    }

    public func pick(_ request: PickRequest, from candidates: Candidates, admit: (Int) -> Bool) -> Int? {
        state.withLock { state in
            state.pick(host: request.destination, candidates: candidates, now: clock.nanoseconds(), admit: admit)
        }
    }
}
