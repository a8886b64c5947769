import Atomics

/// Maglev's consistent-hashing lookup table (Eisenbud et al., NSDI 2016): every slot names a target, each target
/// holding a share of slots in proportion to its weight, filled so that removing one of N targets moves only about
/// 1/N of the slots. A key is hashed to a slot; the slots after it give the next choices.
///
/// Thread-safety: immutable.
final class MaglevTable: Sendable {
    /// The targets the table was built for; it is valid only for this list.
    let targets: [BalancingTarget]
    /// The target index each slot names.
    private let slots: [Int32]

    /// Table sizes, primes; a table has at least 100 slots per target, up to the largest.
    private static let sizes = [1_031, 4_099, 16_411, 65_537, 262_147]

    /// Builds the table for `targets`; targets of weight 0 get no slots.
    init(targets: [BalancingTarget]) {
        self.targets = targets
        let size = Self.sizes.first { $0 >= 100 * targets.count } ?? Self.sizes[Self.sizes.count - 1]
        slots = Self.populate(size: size, targets: targets)
    }

    /// Whether the table was built for exactly `targets` (the same objects in the same order).
    func isBuilt(for targets: [BalancingTarget]) -> Bool {
        guard targets.count == self.targets.count else { return false }
        let sameStorage = targets.withUnsafeBufferPointer { new in
            self.targets.withUnsafeBufferPointer { new.baseAddress == $0.baseAddress }
        }
        return sameStorage || zip(targets, self.targets).allSatisfy { $0 === $1 }
    }

    /// The number of slots.
    var size: Int {
        slots.count
    }

    /// The target index in slot `slot % size`; -1 when no target has a positive weight.
    func target(inSlot slot: Int) -> Int {
        slots.isEmpty ? -1 : Int(slots[slot % slots.count])
    }

    /// The slot `hash` maps to.
    func slot(for hash: UInt64) -> Int {
        hash.scaled(below: max(slots.count, 1))
    }

    /// Fills `size` slots: each target walks its own permutation of the slots (an offset and a skip derived from its
    /// id), taking the next free one on each of its turns; a target of weight w takes w turns for every turn of a
    /// target of the largest weight.
    private static func populate(size: Int, targets: [BalancingTarget]) -> [Int32] {
        let weighted = targets.indices.filter { targets[$0].weight > 0 }
        guard let maxWeight = weighted.map({ targets[$0].weight }).max() else { return [] }
        let offsets = weighted.map { Int(StableHash.hash(targets[$0].id, seed: 1) % UInt64(size)) }
        let skips = weighted.map { Int(StableHash.hash(targets[$0].id, seed: 2) % UInt64(size - 1)) + 1 }
        var next = Array(repeating: 0, count: weighted.count)
        var credit = Array(repeating: 0, count: weighted.count)
        var slots = Array(repeating: Int32(-1), count: size)
        var filled = 0
        var round = 1
        while filled < size {
            for entry in weighted.indices where filled < size {
                let weight = targets[weighted[entry]].weight
                if round * weight < credit[entry] {
                    continue
                }
                credit[entry] += maxWeight
                var slot = (offsets[entry] + next[entry] * skips[entry]) % size
                while slots[slot] >= 0 {
                    next[entry] += 1
                    slot = (offsets[entry] + next[entry] * skips[entry]) % size
                }
                slots[slot] = Int32(weighted[entry])
                next[entry] += 1
                filled += 1
            }
            round += 1
        }
        return slots
    }
}

/// The Maglev table of the target list a policy serves, built on first use.
///
/// A policy serves one pool, whose target list never changes, so the first table is kept for good; a call with
/// another list gets a table built for it each time (correct, but slow).
///
/// Thread-safety: `table(for:)` may be called from any thread at the same time; racing first calls may each build
/// a table, and all but one are dropped.
struct MaglevCache: Sendable {
    private let first = ManagedAtomicLazyReference<MaglevTable>()

    func table(for targets: [BalancingTarget]) -> MaglevTable {
        if let table = first.load(), table.isBuilt(for: targets) {
            return table
        }
        let table = MaglevTable(targets: targets)
        let kept = first.storeIfNilThenLoad(table)
        return kept.isBuilt(for: targets) ? kept : table
    }
}
