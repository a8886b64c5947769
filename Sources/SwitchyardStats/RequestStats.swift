import Histogram
import SwitchyardTraffic

/// Request statistics of one scope (the process, a pool or a target) over three windows: the whole uptime, the last
/// minute and the last 15 minutes, for the admin `/stats` endpoint.
///
/// The proxy calls `requestStarted()` when a request begins, and `record(latency:succeeded:bytesIn:bytesOut:)` then
/// `requestFinished()` when it ends; `snapshot()` reads the figures.
///
/// Windows are rings of time buckets read through a `MonotonicClock`, so tests drive them with a `ManualClock`:
/// - `last_1m`: 6 buckets of 10 s; it covers the last 50 to 60 s (the newest bucket is still filling).
/// - `last_15m`: 15 buckets of 1 min; it covers the last 14 to 15 min.
/// Traffic older than a window's oldest bucket is never reported in it; requests per second divide by the time the
/// window actually covers (at most the uptime).
///
/// Latencies go into 22 HdrHistograms (one per bucket, one for the uptime) of microseconds from 1 µs to 1 h; longer
/// requests count as 1 h in the percentiles, the average is exact. Their size is fixed and depends on the precision
/// (see `Configuration`): about 48 KB per `RequestStats` with the default one significant digit, 310 KB with two.
///
/// Thread-safety: all methods may be called from any thread at the same time; they share one lock. Recording never
/// allocates; `snapshot()` allocates and merges the histograms of each window.
public final class RequestStats: Sendable {
    /// How precisely latencies are kept.
    public struct Configuration: Sendable {
        /// Significant decimal digits of the latency histograms, 1 to 3. Reported percentiles are within about 3.2 %
        /// with 1 (the default, small enough for hundreds of targets), 0.4 % with 2 (for the process or a pool, at
        /// about 7 times the memory) and 0.05 % with 3 (8 times more again).
        public var latencySignificantDigits: Int

        /// Creates a configuration; the default suits statistics kept per target.
        public init(latencySignificantDigits: Int = 1) {
            self.latencySignificantDigits = latencySignificantDigits
        }
    }

    private struct State: Sendable {
        var inFlight = 0
        var total: StatsBucket<UInt64>
        var lastMinute: StatsRing
        var lastQuarterHour: StatsRing

        /// Moves both rings to the bucket of `now`.
        @inline(__always)
        mutating func advance(to now: UInt64) {
            lastMinute.advance(to: now, inFlight: inFlight)
            lastQuarterHour.advance(to: now, inFlight: inFlight)
        }
    }

    private let clock: any MonotonicClock
    private let start: UInt64
    private let state: LockedValue<State>

    /// Creates empty statistics whose uptime starts now.
    public init(configuration: Configuration = .init(), clock: any MonotonicClock = SystemClock()) {
        let digits = configuration.latencySignificantDigits
        precondition((1...3).contains(digits), "latencySignificantDigits must be 1, 2 or 3")
        let precision = SignificantDigits(rawValue: Int8(digits))!
        self.clock = clock
        start = clock.nanoseconds()
        state = LockedValue(
            State(
                total: StatsBucket(significantDigits: precision),
                lastMinute: StatsRing(bucketCount: 6, bucketWidth: .seconds(10), significantDigits: precision),
                lastQuarterHour: StatsRing(bucketCount: 15, bucketWidth: .seconds(60), significantDigits: precision)))
    }

    /// Counts a request that has begun, for the in-flight count and the maximum concurrency.
    public func requestStarted() {
        let now = clock.nanoseconds()
        state.withLock { state in
            state.advance(to: now)
            state.inFlight += 1
            state.total.maxConcurrency = max(state.total.maxConcurrency, state.inFlight)
            state.lastMinute.noteConcurrency(state.inFlight)
            state.lastQuarterHour.noteConcurrency(state.inFlight)
        }
    }

    /// Counts a request that has ended; each `requestStarted()` is followed by exactly one `requestFinished()`.
    public func requestFinished() {
        let now = clock.nanoseconds()
        state.withLock { state in
            state.advance(to: now)
            assert(state.inFlight > 0, "requestFinished() without requestStarted()")
            state.inFlight = max(0, state.inFlight - 1)
        }
    }

    /// Records a finished request: how long it took, whether it succeeded, and the bytes received from the client
    /// (`bytesIn`) and sent to it (`bytesOut`), both non-negative.
    public func record(latency: Duration, succeeded: Bool, bytesIn: Int, bytesOut: Int) {
        let now = clock.nanoseconds()
        let micros = latency.monotonicNanoseconds / 1000
        state.withLock { state in
            state.advance(to: now)
            state.total.record(latencyMicros: micros, succeeded: succeeded, bytesIn: bytesIn, bytesOut: bytesOut)
            state.lastMinute.record(latencyMicros: micros, succeeded: succeeded, bytesIn: bytesIn, bytesOut: bytesOut)
            state.lastQuarterHour.record(
                latencyMicros: micros, succeeded: succeeded, bytesIn: bytesIn, bytesOut: bytesOut)
        }
    }

    /// The last 15 minutes minute by minute, oldest first: 15 entries, `nil` for a minute before the statistics
    /// began; the last entry is the minute still running (its rate divides by the part that has passed).
    public func minutes() -> [WindowStats?] {
        let now = clock.nanoseconds()
        return state.withLock { state in
            state.advance(to: now)
            return state.lastQuarterHour.bucketStats(now: now, start: start)
        }
    }

    /// The most requests in flight at once since the statistics were created (cheaper than a `snapshot()`).
    public var maxConcurrency: Int {
        state.withLock { $0.total.maxConcurrency }
    }

    /// The figures of every window as of now.
    public func snapshot() -> StatsSnapshot {
        let now = clock.nanoseconds()
        return state.withLock { state in
            StatsSnapshot(
                inFlight: state.inFlight,
                total: state.total.windowStats(coveringNanoseconds: now - start),
                last1m: state.lastMinute.windowStats(now: now, start: start, inFlight: state.inFlight),
                last15m: state.lastQuarterHour.windowStats(now: now, start: start, inFlight: state.inFlight))
        }
    }

    /// A conservatively high estimate of the memory these statistics hold, in bytes; it does not change over time.
    public var estimatedMemoryBytes: Int {
        state.withLock { state in
            // 256: this object, the lock's object and mutex, and their allocation headers.
            256 + MemoryLayout<State>.stride + state.total.heapBytes + state.lastMinute.heapBytes
                + state.lastQuarterHour.heapBytes
        }
    }
}
