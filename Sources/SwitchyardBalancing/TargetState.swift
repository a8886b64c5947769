import SwitchyardTraffic
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A target's live state, as health checks, outcome feedback and operators change it and as policies read it:
/// whether it is in rotation and healthy, when it last became available (for slow start), its failures since the
/// last success, and its latency estimate.
///
/// Runtime state only; the target's configuration (its weight) lives on `BalancingTarget`. Keep one instance per
/// target identity across configuration reloads (pass it to the new `BalancingTarget`) so the state carries over.
///
/// Every read is a lock-free atomic load; the flags share one word, so `BalancingTarget.isSelectable` reads them in
/// one load.
///
/// Thread-safety: all members may be used from any thread at the same time.
public final class TargetState: Sendable {
    /// The flags that take a target out of selection; a target with none set is available.
    struct Flags: OptionSet, Sendable {
        let rawValue: UInt8
        static let disabled = Flags(rawValue: 1 << 0)
        static let draining = Flags(rawValue: 1 << 1)
        static let unhealthy = Flags(rawValue: 1 << 2)
        static let circuitOpen = Flags(rawValue: 1 << 3)
        static let ejected = Flags(rawValue: 1 << 4)
        /// The flags that mean "unhealthy" for a pool's `onAllUnhealthy` fallback.
        static let health: Flags = [.unhealthy, .circuitOpen, .ejected]
    }

    /// The clock that stamps `availableSince` and that policies reading this state must share.
    let clock: any MonotonicClock

    private let flagBits = Atomic<UInt8>(0)
    private let availableSinceStamp: Atomic<UInt64>
    private let failures = Atomic<Int>(0)
    /// Peak-EWMA latency in nanoseconds (see `latencyEstimate(at:decay:)`).
    private let latency: StampedValue
    /// The share of its weight an adaptive policy currently grants the target, in (0, 1], as of its stamp.
    let adaptiveFactor: StampedValue

    /// Creates the state of a target that is enabled, healthy, not draining, with a closed circuit, no failures and
    /// no latency observed, available since now.
    /// - Parameter clock: the time source for slow start; policies reading the state must use the same clock.
    public init(clock: any MonotonicClock = SystemClock()) {
        self.clock = clock
        let now = clock.nanoseconds()
        availableSinceStamp = Atomic(now)
        latency = StampedValue(0, at: now)
        adaptiveFactor = StampedValue(1, at: now)
    }

    /// Whether operators keep the target in rotation. Default: true.
    public var isEnabled: Bool {
        get { !flags.contains(.disabled) }
        set { set(.disabled, !newValue) }
    }

    /// Whether the target is being drained: it keeps its open connections but takes no new ones. Default: false.
    public var isDraining: Bool {
        get { flags.contains(.draining) }
        set { set(.draining, newValue) }
    }

    /// Whether the target passes its health checks; only health checkers write it. Default: true.
    public var isHealthy: Bool {
        get { !flags.contains(.unhealthy) }
        set { set(.unhealthy, !newValue) }
    }

    /// Whether the target's circuit breaker is open; only the breaker writes it. Default: false.
    public var isCircuitOpen: Bool {
        get { flags.contains(.circuitOpen) }
        set { set(.circuitOpen, newValue) }
    }

    /// Whether passive health (outlier detection) has ejected the target; only `PoolGuards` writes it.
    /// Default: false.
    public var isEjected: Bool {
        get { flags.contains(.ejected) }
        set { set(.ejected, newValue) }
    }

    /// The clock reading at which the target last became available (enabled, not draining, healthy, circuit
    /// closed, not ejected), or was created; slow start ramps its weight up from here.
    public var availableSince: UInt64 {
        availableSinceStamp.load(ordering: .relaxed)
    }

    /// Failures reported since the target's last success.
    public var recentFailures: Int {
        failures.load(ordering: .relaxed)
    }

    /// The target's latency estimate in nanoseconds at clock reading `now`: a peak-sensitive exponentially weighted
    /// moving average (peak-EWMA) of reported latencies, which jumps to any latency above it and otherwise moves
    /// towards new reports with time constant `decay`. Between reports it decays towards 0 with the same time
    /// constant, so a target that was slow and is no longer picked gets tried again. 0 before any report.
    public func latencyEstimate(at now: UInt64, decay: UInt64) -> Double {
        let (value, time) = latency.load()
        return value * Self.decayFactor(elapsed: now.nanoseconds(since: time), timeConstant: decay)
    }

    /// `flags` read in one load.
    var flags: Flags {
        Flags(rawValue: flagBits.load(ordering: .relaxed))
    }

    /// Applies one finished request's outcome at clock reading `now`: a success clears the failure count and feeds
    /// its latency to the estimate; a failure counts, and its latency (a timeout, say) may only raise the estimate, so
    /// that fast failures never make a broken target look quick.
    func record(_ outcome: Outcome, at now: UInt64, latencyDecay: UInt64) {
        switch outcome {
        case .success(let duration):
            failures.store(0, ordering: .relaxed)
            observe(latency: Double(duration.monotonicNanoseconds), at: now, decay: latencyDecay, peakOnly: false)
        case .failure(let duration):
            failures.wrappingAdd(1, ordering: .relaxed)
            if let duration {
                observe(latency: Double(duration.monotonicNanoseconds), at: now, decay: latencyDecay, peakOnly: true)
            }
        }
    }

    /// `exp(-elapsed / timeConstant)`: the weight an old value keeps after `elapsed`; 0 when the constant is 0.
    static func decayFactor(elapsed: UInt64, timeConstant: UInt64) -> Double {
        timeConstant == 0 ? 0 : exp(-Double(elapsed) / Double(timeConstant))
    }

    private func observe(latency sample: Double, at now: UInt64, decay: UInt64, peakOnly: Bool) {
        latency.update(at: now) { value, time in
            if sample >= value { return sample }
            if peakOnly { return nil }
            let keep = Self.decayFactor(elapsed: now.nanoseconds(since: time), timeConstant: decay)
            return value * keep + sample * (1 - keep)
        }
    }

    /// Sets or clears `flag`, stamping `availableSince` when that makes the target available again.
    private func set(_ flag: Flags, _ on: Bool) {
        let before = Flags(
            rawValue: on
                ? flagBits.bitwiseOr(flag.rawValue, ordering: .relaxed).oldValue
                : flagBits.bitwiseAnd(~flag.rawValue, ordering: .relaxed).oldValue)
        if !on, before == flag {
            availableSinceStamp.store(clock.nanoseconds(), ordering: .relaxed)
        }
    }
}
