import SwitchyardAdmin
import SwitchyardBalancing
import SwitchyardProxy
import SwitchyardStats
import SwitchyardTraffic

extension UpstreamPool {
    /// The state of the pool's `auto` policy as operators see it; nil when the pool runs another policy.
    var autoPolicyInfo: AutoPolicyInfo? {
        guard let auto = balancer.policy as? AutoPolicy else { return nil }
        return AutoPolicyInfo(auto.status(), now: SystemClock().nanoseconds())
    }
}

extension AutoPolicyInfo {
    /// `status` as of clock reading `now`, the clock of the pool (`SystemClock`).
    init(_ status: AutoPolicy.Status, now: UInt64) {
        func seconds(since time: UInt64) -> Double { Double(now >= time ? now - time : 0) / 1e9 }
        self.init(
            active: "\(status.active)", activeSeconds: seconds(since: status.activeSince),
            latencySpread: status.signals?.latencySpread, connectionsPerTarget: status.signals?.connectionsPerTarget,
            pending: status.pending.map { "\($0.choice)" }, pendingSeconds: status.pending.map { seconds(since: $0.since) },
            switches: status.switches.map {
                Switch(secondsAgo: seconds(since: $0.at), from: "\($0.from)", to: "\($0.to)", reason: $0.reason)
            })
    }

    /// Writes the state as one JSON object, with the admin API's field names (the `/stats` pool's `auto`).
    func writeJSON(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("active", active)
        writer.field("active_seconds", activeSeconds)
        if let latencySpread { writer.field("latency_spread", latencySpread) }
        if let connectionsPerTarget { writer.field("connections_per_target", connectionsPerTarget) }
        if let pending { writer.field("pending", pending) }
        if let pendingSeconds { writer.field("pending_seconds", pendingSeconds) }
        writer.key("switches")
        writer.beginArray()
        for change in switches {
            writer.beginObject()
            writer.field("seconds_ago", change.secondsAgo)
            writer.field("from", change.from)
            writer.field("to", change.to)
            writer.field("reason", change.reason)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }
}
