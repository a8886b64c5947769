/// The targets a policy chooses among, and the rule for which of them may be chosen now.
///
/// Normally the rule is `BalancingTarget.isSelectable`. When every target of a pool is unhealthy, `TargetPool` asks
/// the policy again with a rule that ignores health (see `AllUnhealthyAction`), so each policy keeps its own order
/// (a hash keeps its stickiness) in that fallback too.
///
/// Thread-safety: an immutable value, safe to share. (`@unchecked` only because `Unmanaged` is not `Sendable`; it
/// refers to the same `Sendable` targets that `targets` holds.)
public struct Candidates: @unchecked Sendable {
    /// All targets of the pool, in configuration order; policies refer to them by index.
    public let targets: [BalancingTarget]
    /// `targets` again, as references a scan can read without retaining each target: `targets` keeps them alive.
    private let unretained: [Unmanaged<BalancingTarget>]
    private let maximumFailures: Int?

    /// Candidates selectable by the normal rule. Creating them allocates; a pool keeps its own for every pick.
    public init(_ targets: [BalancingTarget]) {
        self.init(targets, maximumFailures: nil)
    }

    /// Candidates selectable ignoring health, limited to targets with at most `maximumFailures` recent failures.
    init(_ targets: [BalancingTarget], ignoringHealthUpTo maximumFailures: Int) {
        self.init(targets, maximumFailures: maximumFailures)
    }

    private init(_ targets: [BalancingTarget], maximumFailures: Int?) {
        self.targets = targets
        self.unretained = targets.map { Unmanaged.passUnretained($0) }
        self.maximumFailures = maximumFailures
    }

    /// Reads the target at `index` in `body` without retaining it, which keeps scans over many targets cheap.
    @inline(__always)
    func with<Result>(_ index: Int, _ body: (BalancingTarget) -> Result) -> Result {
        unretained[index]._withUnsafeGuaranteedRef(body)
    }

    /// The number of targets, selectable or not.
    public var count: Int {
        targets.count
    }

    /// The target at `index`.
    public subscript(index: Int) -> BalancingTarget {
        targets[index]
    }

    /// The active connections of the target at `index`.
    @inline(__always)
    func activeConnections(_ index: Int) -> Int {
        with(index) { $0.connections.active }
    }

    /// Whether the target at `index` may be chosen now.
    @inline(__always)
    public func isSelectable(_ index: Int) -> Bool {
        guard let maximumFailures else { return with(index) { $0.isSelectable } }
        return with(index) { $0.isSelectableIgnoringHealth && $0.state.recentFailures <= maximumFailures }
    }

    /// Offers every selectable target to `admit` in index order, starting at `start` and wrapping around: the
    /// fallback once a policy's preferred choices were refused (they filled up between check and reservation).
    /// - Parameter start: any integer; it is taken modulo the number of targets.
    /// - Returns: the admitted index, or nil.
    func offerInOrder(from start: Int, admit: (Int) -> Bool) -> Int? {
        let count = targets.count
        guard count > 0 else { return nil }
        var index = (start % count + count) % count
        for _ in 0..<count {
            if isSelectable(index), admit(index) {
                return index
            }
            index = index + 1 == count ? 0 : index + 1
        }
        return nil
    }
}
