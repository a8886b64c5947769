/// Keeps each client on one target (`ip-hash`): the client address is looked up in a Maglev table
/// (`MaglevTable`), so adding or removing one of N targets moves only about 1/N of the clients. When a client's
/// target is not selectable the client moves to the next target of the table after its slot, the same one every
/// time, and comes back once its target does. Requests without a client address hash their destination. Weights
/// set the share of the table; slow start does not apply, since which target serves a key is fixed by the key.
///
/// Thread-safety: lock-free; the table is immutable and built once for the pool's target list.
public final class IPHashPolicy: BalancingPolicy {
    /// The name that selects this policy in the configuration.
    public static let configName = "ip-hash"

    private let tables = MaglevCache()

    /// Creates a policy.
    public init() {}

    public func pick(_ request: PickRequest, from candidates: Candidates, admit: (Int) -> Bool) -> Int? {
        let table = tables.table(for: candidates.targets)
        let slot = table.slot(for: StableHash.hash(request.clientAddress ?? request.destination))
        return table.offer(from: slot, candidates: candidates, cap: .max, admit: admit)
            ?? candidates.offerInOrder(from: table.target(inSlot: slot), admit: admit)
    }
}

/// Consistent hashing with bounded load (`consistent-hash`): the request's hash key (`PickRequest.hashKey`, else
/// the client address, else the destination) is looked up in a Maglev table (`MaglevTable`), so a key stays on one
/// target and removing one of N targets moves only about 1/N of the keys. No target takes a connection that would
/// lift it above `loadFactor` × the mean active connections of the selectable targets (rounded up): such a key
/// moves on to the next target of the table after its slot (Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing
/// with Bounded Loads"); only if every selectable target is at the cap (possible only in a race) is it ignored.
/// Weights set the share of the table; slow start does not apply.
///
/// Thread-safety: lock-free; the table is immutable and built once for the pool's target list, and one O(n) pass
/// reads the atomic connection counts for the mean. Concurrent picks may each see room below the cap and together
/// pass it by a few connections.
public final class ConsistentHashPolicy: BalancingPolicy {
    /// The name that selects this policy in the configuration.
    public static let configName = "consistent-hash"

    /// The most a target may carry, as a multiple of the mean load.
    public let loadFactor: Double

    private let tables = MaglevCache()

    /// Creates a policy.
    /// - Parameter loadFactor: the cap on a target's load as a multiple of the mean; above 1.
    public init(loadFactor: Double = 1.25) {
        precondition(loadFactor > 1, "loadFactor must be above 1")
        self.loadFactor = loadFactor
    }

    public func pick(_ request: PickRequest, from candidates: Candidates, admit: (Int) -> Bool) -> Int? {
        var active = 0
        var selectable = 0
        for index in 0..<candidates.count where candidates.isSelectable(index) {
            active += candidates.activeConnections(index)
            selectable += 1
        }
        guard selectable > 0 else { return nil }
        let cap = Int((loadFactor * Double(active + 1) / Double(selectable)).rounded(.up))
        let table = tables.table(for: candidates.targets)
        let slot = table.slot(for: StableHash.hash(request.hashKey ?? request.clientAddress ?? request.destination))
        let home = table.target(inSlot: slot)
        return table.offer(from: slot, candidates: candidates, cap: cap, admit: admit)
            ?? candidates.offerInOrder(from: home) { candidates.activeConnections($0) < cap && admit($0) }
            ?? candidates.offerInOrder(from: home, admit: admit)
    }
}

extension MaglevTable {
    /// Offers the targets of the slots from `slot` on to `admit`, skipping those not selectable or with `cap` or
    /// more active connections, for up to two slots per target plus a few: enough to meet most targets, while
    /// bounding the walk when few are left. Callers fall back to `Candidates.offerInOrder` after a nil.
    func offer(from slot: Int, candidates: Candidates, cap: Int, admit: (Int) -> Bool) -> Int? {
        for step in 0..<min(size, 2 * candidates.count + 8) {
            let index = target(inSlot: slot + step)
            guard index >= 0 else { return nil }
            if candidates.isSelectable(index), candidates.activeConnections(index) < cap, admit(index) {
                return index
            }
        }
        return nil
    }
}
