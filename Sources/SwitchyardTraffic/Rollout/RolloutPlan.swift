/// One target of a rollout step: its id and the weight it has during the step.
public struct RolloutTarget: Sendable, Equatable {
    public var id: String
    public var weight: Int

    public init(id: String, weight: Int) {
        self.id = id
        self.weight = weight
    }
}

/// How a rollout moves from the old target set to the new one.
public enum RolloutStrategy: Sendable, Equatable {
    /// Adds the new targets `size` at a time next to the old ones; a last step leaves only the new set.
    case batch(size: Int)
    /// Shifts `percent` more of the traffic (by weight) from the old targets to the new ones each step.
    case weight(percent: Int)
}

/// The steps of a rollout: each step is the whole target set the pool has while it runs, the last one being the new
/// set itself. Targets in both sets count as old until the last step.
public enum RolloutPlan {
    /// The weight total a weighted step spreads over its targets (each nonzero target keeps at least 1).
    static let weightScale = 1000.0

    /// The steps from `old` to `new` with `strategy`; one step (straight to `new`) when `new` adds no target.
    public static func steps(
        from old: [RolloutTarget], to new: [RolloutTarget], strategy: RolloutStrategy
    ) -> [[RolloutTarget]] {
        let oldIDs = Set(old.map(\.id))
        let added = new.filter { !oldIDs.contains($0.id) }
        guard !added.isEmpty else { return [new] }
        switch strategy {
        case .batch(let size):
            let size = max(1, size)
            let batches = stride(from: size, to: added.count, by: size).map { old + added.prefix($0) }
            return batches + (old + added == new ? [new] : [old + added, new])
        case .weight(let percent):
            let percent = min(100, max(1, percent))
            let shares = stride(from: percent, to: 100, by: percent).map { Double($0) / 100 }
            return shares.map { share in
                scaled(old, toShare: 1 - share) + scaled(added, toShare: share)
            } + [new]
        }
    }

    /// `targets` with weights that give them `share` of a `weightScale` total, in proportion to their own weights.
    private static func scaled(_ targets: [RolloutTarget], toShare share: Double) -> [RolloutTarget] {
        let total = targets.reduce(0) { $0 + $1.weight }
        return targets.map { target in
            guard total > 0, target.weight > 0 else { return RolloutTarget(id: target.id, weight: 0) }
            let weight = Double(target.weight) / Double(total) * share * weightScale
            return RolloutTarget(id: target.id, weight: max(1, Int(weight.rounded())))
        }
    }
}
