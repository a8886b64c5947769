import SwitchyardTraffic

/// The weight a weighted or latency-aware policy gives a target now: its configured weight, ramped up after the
/// target joins or becomes available again.
///
/// Without slow start the effective weight is the configured weight. With it, weights are in 1/1024ths: a target
/// available for `elapsed` of a `window` gets `weight × (0.1 + 0.9 × elapsed / window)`, reaching its full weight at
/// the end of the window. Policies compare weights only with each other, so the scale does not matter.
///
/// Thread-safety: an immutable value.
struct SlowStart: Sendable {
    /// The effective weight of `target` at clock reading `now` in 1/1024ths, whether slow start is on or off.
    @inline(__always)
    func scaledWeight(of target: BalancingTarget, at now: UInt64) -> Int {
        window > 0 ? weight(of: target, at: now) : target.weight * Self.fullShare
    }

    /// The share of its weight a target gets the moment it becomes available, in 1/1024ths (about a tenth).
    static let initialShare = 102
    /// Full weight, in 1/1024ths.
    static let fullShare = 1024

    /// The ramp's length in nanoseconds; 0 when slow start is off.
    let window: UInt64
    /// The clock of the targets' states, whose `availableSince` the ramp is measured from.
    private let clock: any MonotonicClock

    init(_ window: Duration, clock: any MonotonicClock) {
        self.window = window.monotonicNanoseconds
        self.clock = clock
    }

    /// The clock reading a pick needs for `weight(of:at:)`; 0 (no clock read) when slow start is off.
    @inline(__always)
    func now() -> UInt64 {
        window > 0 ? clock.nanoseconds() : 0
    }

    /// Whether effective weights depend on the time, so a pick must read the clock.
    var isEnabled: Bool {
        window > 0
    }

    /// The effective weight of `target` at clock reading `now` (ignored when slow start is off).
    @inline(__always)
    func weight(of target: BalancingTarget, at now: UInt64) -> Int {
        guard window > 0 else { return target.weight }
        return target.weight * share(elapsed: now.nanoseconds(since: target.state.availableSince))
    }

    /// The share of its weight a target available for `elapsed` gets, in 1/1024ths. Kept out of line so that the
    /// common path of `weight(of:at:)`, slow start off, stays small enough to inline into scans.
    @inline(never)
    func share(elapsed: UInt64) -> Int {
        guard elapsed < window else { return Self.fullShare }
        let ramp = Double(elapsed) / Double(window) * Double(Self.fullShare - Self.initialShare)
        return Self.initialShare + Int(ramp)
    }
}

extension Candidates {
    /// The effective weight of the target at `index` under `slowStart` at clock reading `now`.
    @inline(__always)
    func weight(_ index: Int, slowStart: SlowStart, at now: UInt64) -> Int {
        guard slowStart.isEnabled else { return with(index) { $0.weight } }
        return with(index) { slowStart.weight(of: $0, at: now) }
    }
}
