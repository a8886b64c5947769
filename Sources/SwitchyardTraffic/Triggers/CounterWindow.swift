import DequeModule

/// Readings of two growing counters (finished and failed requests), kept for a window, giving the request rate and
/// the error rate over it. `now` is a monotonic reading in nanoseconds.
public struct CounterWindow: Sendable {
    private struct Reading: Sendable {
        var at: UInt64
        var requests: Int
        var failures: Int
    }

    public let window: UInt64
    private var readings: Deque<Reading> = []

    public init(window: Duration) {
        self.window = window.monotonicNanoseconds
    }

    /// Adds a reading of the counters and drops those older than the window (keeping one at or before its start).
    public mutating func record(requests: Int, failures: Int, at now: UInt64) {
        readings.append(Reading(at: now, requests: requests, failures: failures))
        while readings.count > 2, now &- readings[1].at >= window { readings.removeFirst() }
    }

    /// Requests per second over the window (over the readings so far, while it fills).
    public var requestRate: Double {
        guard let first = readings.first, let last = readings.last, last.at > first.at else { return 0 }
        return Double(last.requests - first.requests) / (Double(last.at - first.at) / 1e9)
    }

    /// Failed requests over finished requests in the window; 0 without requests.
    public var errorRate: Double {
        guard let first = readings.first, let last = readings.last, last.requests > first.requests else { return 0 }
        return Double(last.failures - first.failures) / Double(last.requests - first.requests)
    }
}
