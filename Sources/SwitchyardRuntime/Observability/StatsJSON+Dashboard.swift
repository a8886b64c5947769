import SwitchyardBalancing
import SwitchyardConfig
import SwitchyardProxy
import SwitchyardStats

// The parts of the `/stats` document the dashboard draws beyond the windows: what each listener routes where, each
// target's errors by kind, last check duration and push-back, and each pool's last 15 minutes minute by minute.

extension ListenerSettings {
    /// Writes `pool` (egress listeners) and `routes` (reverse listeners: each route's conditions and pool, in order)
    /// into the object `writer` is in.
    func writeRouting(to writer: inout JSONWriter) {
        if !pool.isEmpty { writer.field("pool", pool) }
        writer.key("routes")
        writer.beginArray()
        for route in routes {
            writer.beginObject()
            if let host = route.host { writer.field("host", host) }
            if let prefix = route.pathPrefix { writer.field("path_prefix", prefix) }
            if let method = route.method { writer.field("method", method) }
            if !route.headers.isEmpty {
                writer.field("headers", route.headers.map { "\($0.name): \($0.value)" }.joined(separator: ", "))
            }
            writer.field("pool", route.pool)
            writer.endObject()
        }
        writer.endArray()
    }
}

extension TargetMetrics {
    /// Writes `errors` (upstream errors by kind) and, once a check ran, `last_check_duration_seconds` into the object
    /// `writer` is in.
    func writeDiagnostics(to writer: inout JSONWriter) {
        writer.key("errors")
        writer.beginObject()
        for (kind, count) in errorCounts.sorted(by: { $0.key < $1.key }) { writer.field(kind, count) }
        writer.endObject()
        if let duration = lastCheckDuration {
            writer.field("last_check_duration_seconds", Double(duration.monotonicNanoseconds) / 1e9)
        }
    }
}

extension RequestStats {
    /// Writes the last 15 minutes minute by minute as `minutes_15m`, oldest first: each `{"requests", "failures",
    /// "requests_per_second", "p99_seconds"}`, or `null` for a minute with no record.
    func writeMinutes(to writer: inout JSONWriter) {
        writer.key("minutes_15m")
        writer.beginArray()
        for minute in minutes() {
            guard let minute else {
                writer.null()
                continue
            }
            writer.beginObject()
            writer.field("requests", minute.requests)
            writer.field("failures", minute.failures)
            writer.field("requests_per_second", minute.requestsPerSecond)
            writer.field("p99_seconds", minute.p99Latency)
            writer.endObject()
        }
        writer.endArray()
    }
}
