import Histogram

/// Counters and a latency histogram for the requests of one period: a ring slot or the whole uptime.
///
/// Latencies are kept in microseconds, clamped to `highestLatencyMicros`. The histogram's counts array covers the
/// whole range from the start and `reset` keeps it, so recording never allocates.
/// Thread-safety: a value type with no synchronisation; `RequestStats` keeps it under its lock.
struct StatsBucket<Count: FixedWidthInteger & Codable & Sendable>: Sendable {
    /// One hour: longer requests count as one hour in the percentiles (the average stays exact).
    static var highestLatencyMicros: UInt64 { 3_600_000_000 }

    var requests = 0
    var successes = 0
    var bytesIn = 0
    var bytesOut = 0
    var latencySumMicros: UInt64 = 0
    var maxConcurrency = 0
    var latency: Histogram<Count>

    init(significantDigits: SignificantDigits) {
        latency = Histogram(
            lowestDiscernibleValue: 1, highestTrackableValue: Self.highestLatencyMicros,
            numberOfSignificantValueDigits: significantDigits)
    }

    @inline(__always)
    mutating func record(latencyMicros: UInt64, succeeded: Bool, bytesIn: Int, bytesOut: Int) {
        requests += 1
        successes += succeeded ? 1 : 0
        self.bytesIn += bytesIn
        self.bytesOut += bytesOut
        latencySumMicros &+= latencyMicros
        latency.record(min(latencyMicros, Self.highestLatencyMicros))
    }

    /// Empties the bucket for a new period that starts with `inFlight` requests already running.
    mutating func reset(inFlight: Int) {
        requests = 0
        successes = 0
        bytesIn = 0
        bytesOut = 0
        latencySumMicros = 0
        maxConcurrency = inFlight
        latency.reset()
    }

    /// Adds `other`'s requests to this bucket, for the buckets that make up one window.
    mutating func merge(_ other: Self) {
        requests += other.requests
        successes += other.successes
        bytesIn += other.bytesIn
        bytesOut += other.bytesOut
        latencySumMicros &+= other.latencySumMicros
        maxConcurrency = max(maxConcurrency, other.maxConcurrency)
        latency.add(other.latency)
    }

    /// The window's figures, for a window that covered `nanoseconds` of time.
    func windowStats(coveringNanoseconds nanoseconds: UInt64) -> WindowStats {
        guard requests > 0 else {
            return WindowStats(maxConcurrency: maxConcurrency)
        }
        let seconds = Double(nanoseconds) / 1e9
        return WindowStats(
            requests: requests, successes: successes, failures: requests - successes,
            bytesIn: bytesIn, bytesOut: bytesOut,
            averageLatency: Double(latencySumMicros) / Double(requests) / 1e6,
            p50Latency: percentile(50),
            p99Latency: percentile(99),
            maxConcurrency: maxConcurrency,
            requestsPerSecond: seconds > 0 ? Double(requests) / seconds : 0)
    }

    /// The latency at `percentile`, in seconds: the middle of the histogram's range of equivalent values, so the
    /// error is at most half that range either way.
    private func percentile(_ percentile: Double) -> Double {
        Double(latency.medianEquivalentForValue(latency.valueAtPercentile(percentile))) / 1e6
    }

    /// A conservatively high estimate of the heap this bucket's histogram holds (HdrHistogram's own estimate).
    var heapBytes: Int {
        latency.estimatedFootprintInBytes
    }
}
