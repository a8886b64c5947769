/// Gives each target `id` a small, stable slot number, so per-host history survives a change of the target list
/// (a reload that reorders, adds or removes targets) and is counted in flat arrays rather than dictionaries.
///
/// Slots are never reused; a reload that introduces new ids adds slots.
///
/// Thread-safety: none; owned by `LRUPerHostState`.
struct TargetSlots: Sendable {
    private var slotByID: [String: Int] = [:]
    private var knownTargets: [BalancingTarget] = []
    /// The slot of each target of the list last passed to `update(for:)`, by index.
    private(set) var slotOfIndex: [Int] = []

    /// Slots handed out so far.
    var count: Int {
        slotByID.count
    }

    /// Maps `targets` to slots; costs one identity comparison per target when the list is the one seen last.
    mutating func update(for targets: [BalancingTarget]) {
        if targets.count == knownTargets.count, targets.indices.allSatisfy({ targets[$0] === knownTargets[$0] }) {
            return
        }
        knownTargets = targets
        slotOfIndex = targets.map { target in
            if let slot = slotByID[target.id] {
                return slot
            }
            let slot = slotByID.count
            slotByID[target.id] = slot
            return slot
        }
    }
}
