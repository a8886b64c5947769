/// When a traffic trigger fires: its metric past `threshold` for `duration`, then not again until the metric has
/// come back past `clear` (hysteresis), and never twice within `cooldown`; a crossing held during the cooldown fires
/// once it is over. Readings in, a yes or no out; `now` is a monotonic reading in nanoseconds.
public struct ThresholdTrigger: Sendable {
    /// Where the trigger stands, for display.
    public enum Phase: String, Sendable {
        /// Waiting for the metric to cross.
        case armed
        /// Crossed, waiting for `duration` (or the cooldown) to pass.
        case pending
        /// Fired; waiting for the metric to come back past `clear`.
        case fired
    }

    public let above: Bool
    public let threshold: Double
    public let clear: Double
    public let duration: UInt64
    public let cooldown: UInt64
    public private(set) var phase: Phase = .armed
    private var crossedSince: UInt64?
    private var lastFired: UInt64?

    public init(above: Bool, threshold: Double, clear: Double?, duration: Duration, cooldown: Duration) {
        self.above = above
        self.threshold = threshold
        self.clear = clear ?? threshold
        self.duration = duration.monotonicNanoseconds
        self.cooldown = cooldown.monotonicNanoseconds
    }

    /// Takes a reading; true when the trigger fires on it.
    public mutating func observe(_ value: Double, at now: UInt64) -> Bool {
        if phase == .fired {
            if above ? value <= clear : value >= clear { phase = .armed }
            return false
        }
        guard above ? value > threshold : value < threshold else {
            phase = .armed
            crossedSince = nil
            return false
        }
        let since = crossedSince ?? now
        crossedSince = since
        phase = .pending
        guard now &- since >= duration, lastFired.map({ now &- $0 >= cooldown }) ?? true else { return false }
        phase = .fired
        crossedSince = nil
        lastFired = now
        return true
    }
}

/// Whether a firing may happen `cooldown` after the last one; for schedule triggers.
public struct Cooldown: Sendable {
    public let interval: UInt64
    private var last: UInt64?

    public init(_ interval: Duration) {
        self.interval = interval.monotonicNanoseconds
    }

    /// True (and the firing counted) when `now` is at least `interval` after the last firing.
    public mutating func permit(at now: UInt64) -> Bool {
        guard last.map({ now &- $0 >= interval }) ?? true else { return false }
        last = now
        return true
    }
}
