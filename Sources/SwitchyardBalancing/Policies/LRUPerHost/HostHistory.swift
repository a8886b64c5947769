import DequeModule

/// One destination host's remembered selections, oldest first, with per-target counts kept in step so a pick scans
/// the targets rather than the history.
///
/// Thread-safety: none; owned by `LRUPerHostState`.
struct HostHistory: Sendable {
    private struct Entry: Sendable {
        var sequence: UInt64
        var time: UInt64
        var slot: Int
    }

    /// A target's standing for this host, indexed by its `TargetSlots` slot.
    private struct Usage: Sendable {
        /// Selections in the history.
        var count = 0
        /// Sequence of the newest selection, 0 if never selected.
        var lastUse: UInt64 = 0
    }

    /// A candidate's place in the preference order: lower is better, and no two candidates are equal.
    private struct Rank: Comparable {
        var count: Int
        var lastUse: UInt64
        var index: Int

        static func < (lhs: Rank, rhs: Rank) -> Bool {
            (lhs.count, lhs.lastUse, lhs.index) < (rhs.count, rhs.lastUse, rhs.index)
        }
    }

    private var entries: Deque<Entry> = []
    private var usage: [Usage] = []

    var isEmpty: Bool {
        entries.isEmpty
    }

    /// Sequence of the oldest remembered selection.
    var oldestSequence: UInt64? {
        entries.first?.sequence
    }

    /// Forgets the oldest selection.
    mutating func removeOldest() {
        let entry = entries.removeFirst()
        usage[entry.slot].count -= 1
    }

    /// Drops selections older than `window`, offers the selectable targets to `admit` best first, and records the
    /// admitted one as `sequence` at `now`, trimming the history to `historySize`.
    /// - Parameter removed: increased by the number of selections dropped (expired or trimmed).
    /// - Returns: the admitted index, or nil.
    mutating func pick(
        candidates: Candidates,
        slots: TargetSlots,
        now: UInt64,
        window: UInt64,
        historySize: Int,
        sequence: UInt64,
        removed: inout Int,
        admit: (Int) -> Bool
    ) -> Int? {
        while let oldest = entries.first, now >= oldest.time, now - oldest.time >= window {
            removeOldest()
            removed += 1
        }
        if usage.count < slots.count {
            usage.append(contentsOf: repeatElement(Usage(), count: slots.count - usage.count))
        }
        var refused: Rank?
        while let candidate = best(of: candidates, slots: slots, after: refused) {
            if admit(candidate.index) {
                let slot = slots.slotOfIndex[candidate.index]
                entries.append(Entry(sequence: sequence, time: now, slot: slot))
                usage[slot].count += 1
                usage[slot].lastUse = sequence
                while entries.count > historySize {
                    removeOldest()
                    removed += 1
                }
                return candidate.index
            }
            refused = candidate
        }
        return nil
    }

    /// The best-ranked selectable target ranked after `previous` (all of them when nil), by a linear scan.
    private func best(of candidates: Candidates, slots: TargetSlots, after previous: Rank?) -> Rank? {
        var best: Rank?
        for index in 0..<candidates.count {
            let standing = usage[slots.slotOfIndex[index]]
            let rank = Rank(count: standing.count, lastUse: standing.lastUse, index: index)
            if let previous, rank <= previous {
                continue
            }
            if let best, best < rank {
                continue
            }
            if candidates.isSelectable(index) {
                best = rank
            }
        }
        return best
    }
}
