/// The figures of one `RequestStats` at one moment: requests in flight and every window.
///
/// Thread-safety: a plain value; safe to share and send between threads.
public struct StatsSnapshot: Sendable, Equatable {
    /// Requests running now.
    public var inFlight: Int
    /// Since the statistics were created.
    public var total: WindowStats
    /// The last minute (see `RequestStats` for the exact span).
    public var last1m: WindowStats
    /// The last 15 minutes (see `RequestStats` for the exact span).
    public var last15m: WindowStats

    /// Creates a snapshot; the defaults describe statistics with no traffic yet.
    public init(
        inFlight: Int = 0, total: WindowStats = .init(), last1m: WindowStats = .init(),
        last15m: WindowStats = .init()
    ) {
        self.inFlight = inFlight
        self.total = total
        self.last1m = last1m
        self.last15m = last15m
    }

    /// Writes the snapshot as one JSON object: `{"in_flight":N,"windows":{"total":W,"last_1m":W,"last_15m":W}}`,
    /// each `W` as `WindowStats.writeJSON(to:)` writes it.
    public func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writeFields(to: &writer)
        writer.endObject()
    }

    /// Writes `in_flight` and `windows` as fields of the object `writer` is in, for documents that add their own.
    public func writeFields(to writer: inout JSONWriter) {
        writer.field("in_flight", inFlight)
        writer.key("windows")
        writeWindows(to: &writer)
    }

    /// Writes the windows alone as one JSON object: `{"total":W,"last_1m":W,"last_15m":W}`.
    public func writeWindows(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("total")
        total.writeJSON(to: &writer)
        writer.key("last_1m")
        last1m.writeJSON(to: &writer)
        writer.key("last_15m")
        last15m.writeJSON(to: &writer)
        writer.endObject()
    }

    /// The snapshot as JSON text.
    public var json: String {
        var writer = JSONWriter()
        writeJSON(to: &writer)
        return writer.text
    }
}
