/// The request figures of one time window (the whole uptime, the last minute or the last 15 minutes).
///
/// Latencies are in seconds; with no request in the window they, and the rate, are 0.
/// Thread-safety: a plain value; safe to share and send between threads.
public struct WindowStats: Sendable, Equatable {
    /// Requests that finished in the window.
    public var requests: Int
    /// Finished requests that succeeded.
    public var successes: Int
    /// Finished requests that failed.
    public var failures: Int
    /// Bytes received from clients by the finished requests.
    public var bytesIn: Int
    /// Bytes sent to clients by the finished requests.
    public var bytesOut: Int
    /// Mean latency, exact to the microsecond.
    public var averageLatency: Double
    /// Median latency, within the histogram's precision (rounded up).
    public var p50Latency: Double
    /// 99th percentile latency, within the histogram's precision (rounded up).
    public var p99Latency: Double
    /// The most requests in flight at once during the window.
    public var maxConcurrency: Int
    /// Finished requests divided by the time the window covers.
    public var requestsPerSecond: Double

    /// Creates a window's figures; the defaults describe an empty window.
    public init(
        requests: Int = 0, successes: Int = 0, failures: Int = 0, bytesIn: Int = 0, bytesOut: Int = 0,
        averageLatency: Double = 0, p50Latency: Double = 0, p99Latency: Double = 0,
        maxConcurrency: Int = 0, requestsPerSecond: Double = 0
    ) {
        self.requests = requests
        self.successes = successes
        self.failures = failures
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.averageLatency = averageLatency
        self.p50Latency = p50Latency
        self.p99Latency = p99Latency
        self.maxConcurrency = maxConcurrency
        self.requestsPerSecond = requestsPerSecond
    }

    /// Writes the window as one JSON object:
    /// `{"requests":N,"successes":N,"failures":N,"bytes_in":N,"bytes_out":N,`
    /// `"latency_seconds":{"avg":x,"p50":x,"p99":x},"max_concurrency":N,"requests_per_second":x}`.
    public func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("requests", requests)
        writer.field("successes", successes)
        writer.field("failures", failures)
        writer.field("bytes_in", bytesIn)
        writer.field("bytes_out", bytesOut)
        writer.key("latency_seconds")
        writer.beginObject()
        writer.field("avg", averageLatency)
        writer.field("p50", p50Latency)
        writer.field("p99", p99Latency)
        writer.endObject()
        writer.field("max_concurrency", maxConcurrency)
        writer.field("requests_per_second", requestsPerSecond)
        writer.endObject()
    }

    /// The window as JSON text.
    public var json: String {
        var writer = JSONWriter()
        writeJSON(to: &writer)
        return writer.text
    }
}
