import DequeModule

/// Everything `LRUPerHostPolicy` remembers, guarded by its lock: per-host histories plus the global bookkeeping that
/// bounds their total size.
///
/// Every recorded selection carries a sequence number, increasing across all hosts. `order` lists (sequence, host)
/// for the selections in recording order, so the globally oldest can be forgotten first. A host drops selections
/// only from its own oldest end, so an `order` entry whose host no longer holds its sequence is stale and skipped;
/// stale entries are compacted away once they outnumber the live ones, keeping `order` within a constant factor of
/// `historyMaxTotalEntries`.
///
/// Thread-safety: none; the owning policy serialises access.
struct LRUPerHostState: Sendable {
    private struct OrderEntry: Sendable {
        var sequence: UInt64
        var host: String
    }

    /// Stale `order` entries tolerated beyond the live count before compacting, so small histories don't compact often.
    private static let compactionSlack = 64

    private(set) var hosts: [String: HostHistory] = [:]
    private(set) var liveEntries = 0

    private let windowNanoseconds: UInt64
    private let historySize: Int
    private let maxTotalEntries: Int
    private var order: Deque<OrderEntry> = []
    private var nextSequence: UInt64 = 1
    private var slots = TargetSlots()

    init(options: LRUPerHostOptions) {
        windowNanoseconds = options.historyWindow.monotonicNanoseconds
        historySize = options.historySize
        maxTotalEntries = options.historyMaxTotalEntries
    }

    /// Picks for `host` among `candidates` at time `now`, recording the admitted target.
    mutating func pick(host: String, candidates: Candidates, now: UInt64, admit: (Int) -> Bool) -> Int? {
        slots.update(for: candidates.targets)
        let sequence = nextSequence
        var removed = 0
        // The defaulting subscript mutates the stored history in place (no copy); a host left empty is dropped.
        let picked = hosts[host, default: HostHistory()].pick(
            candidates: candidates,
            slots: slots,
            now: now,
            window: windowNanoseconds,
            historySize: historySize,
            sequence: sequence,
            removed: &removed,
            admit: admit
        )
        if hosts[host]?.isEmpty == true {
            hosts[host] = nil
        }
        liveEntries -= removed
        if picked != nil {
            nextSequence += 1
            liveEntries += 1
            order.append(OrderEntry(sequence: sequence, host: host))
            while liveEntries > maxTotalEntries {
                forgetOldest()
            }
        }
        if order.count > 2 * liveEntries + Self.compactionSlack {
            compactOrder()
        }
        return picked
    }

    /// Forgets the globally oldest live selection, removing its host if that was the host's last one.
    private mutating func forgetOldest() {
        while let oldest = order.popFirst() {
            guard let index = hosts.index(forKey: oldest.host),
                hosts.values[index].oldestSequence == oldest.sequence
            else {
                continue
            }
            hosts.values[index].removeOldest()
            liveEntries -= 1
            if hosts.values[index].isEmpty {
                hosts.remove(at: index)
            }
            return
        }
    }

    /// Drops `order` entries whose selection a host has already forgotten.
    private mutating func compactOrder() {
        let hosts = self.hosts
        order.removeAll { entry in
            guard let oldest = hosts[entry.host]?.oldestSequence else {
                return true
            }
            return entry.sequence < oldest
        }
    }
}
