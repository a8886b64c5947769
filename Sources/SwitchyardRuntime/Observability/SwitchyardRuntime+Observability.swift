import NIOCore
import SwitchyardAdmin
import SwitchyardBalancing
import SwitchyardProxy
import SwitchyardStats
import SwitchyardTraffic

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What operators see of a running Switchyard: readiness, Prometheus metrics, the `/stats` document and the live
/// state of every target, all read from the runtime's state when asked.
extension SwitchyardRuntime {
    /// Ready once every listener is bound and every pool has a selectable target; never while shutting down.
    /// - Returns: whether it is ready, and otherwise why not.
    public func readiness() -> (ready: Bool, reasons: [String]) {
        var reasons: [String] = []
        if isShuttingDown.load(ordering: .relaxed) { reasons.append("shutting down") }
        for listener in listeners where listener.localAddress == nil {
            reasons.append("listener \(listener.name) is not bound")
        }
        for name in livePools.keys.sorted() where !livePools[name]!.balancer.targets.contains(where: \.isSelectable) {
            reasons.append("pool \(name) has no selectable target")
        }
        return (reasons.isEmpty, reasons)
    }

    /// Every metric in the Prometheus text format, with the gauges of live state brought up to date first.
    public func metricsText() -> String {
        for listener in listeners {
            listener.metrics?.activeConnections.set(Int64(listener.connections.active))
        }
        let pools = livePools.values
        let stickyCounts = pools.compactMap { pool in pool.balancer.sticky.map { (pool.name, $0.count) } }
        metrics.setStickyEntries(Dictionary(stickyCounts, uniquingKeysWith: { first, _ in first }))
        for pool in pools {
            for target in pool.balancer.targets {
                guard let metrics = pool.metrics?.targets[target.id] else { continue }
                metrics.activeConnections.set(Int64(target.connections.active))
                metrics.maxConcurrency.set(Int64(metrics.stats.maxConcurrency))
                let healthy = target.state.isHealthy && !target.state.isEjected && !target.state.isCircuitOpen
                metrics.healthy.set(Int64(healthy ? 1 : 0))
                let circuit: Int64 =
                    switch pool.balancer.guards?.circuitState(of: target) {
                    case .open: 2
                    case .halfOpen: 1
                    case .closed, nil: 0
                    }
                metrics.circuitState.set(circuit)
            }
        }
        if let admin = adminServer.withLock({ $0 }) {
            metrics.noteAdminAuthFailures(total: admin.authFailures)
        }
        metrics.noteLogLinesDropped(total: LogLineWriter.standardOutput.droppedLines)
        processMetrics.update()
        return metrics.render()
    }

    /// How a target looks to operators right now.
    public func condition(of target: BalancingTarget, inPool pool: String) -> TargetInfo {
        let state = target.state
        let check = healthCheckers[pool]?.status(of: target.id)
        let circuit = self.livePools[pool]?.balancer.guards?.circuitState(of: target)
        let health: String
        let cause: String
        if state.isEjected {
            (health, cause) = ("ejected", "ejected after failed requests or a failed connect")
        } else if !state.isHealthy {
            (health, cause) = ("unhealthy", check.map { "\($0.cause)" } ?? "failed health checks")
        } else if state.isCircuitOpen {
            (health, cause) = ("healthy", "circuit open")
        } else {
            (health, cause) = ("healthy", check.map { "\($0.cause)" } ?? "no active checks")
        }
        let circuitName: String =
            switch circuit {
            case .open: "open"
            case .halfOpen: "half_open"
            case .closed: "closed"
            case nil: "none"
            }
        let now = SystemClock().nanoseconds()
        return TargetInfo(
            id: target.id, weight: target.weight, maxConnections: target.connections.limit, enabled: state.isEnabled,
            draining: state.isDraining, activeConnections: target.connections.active, health: health,
            healthCause: cause, circuit: circuitName,
            lastCheck: check?.lastResult.map { ($0.success ? "passed: " : "failed: ") + $0.reason },
            secondsInHealthState: check.map { Double(now &- $0.lastTransition) / 1e9 })
    }

    /// The `/stats` document: start time, uptime, in-flight requests and the windows of the process, each pool and
    /// each target, plus every listener.
    public func statsJSON() -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("started_at", Self.iso8601(startedAt.wallClock))
        writer.field("uptime_seconds", Double((NIODeadline.now() - startedAt.monotonic).nanoseconds) / 1e9)
        metrics.stats.snapshot().writeFields(to: &writer)
        let current = config
        writer.key("listeners")
        writer.beginArray()
        for listener in listeners {
            writer.beginObject()
            writer.field("name", listener.name)
            writer.field("mode", listener.mode.rawValue)
            writer.field("address", listener.localAddress?.endpoint ?? "")
            writer.field("active_connections", listener.connections.active)
            current.listeners.first { $0.name == listener.name }?.writeRouting(to: &writer)
            writer.endObject()
        }
        writer.endArray()
        writer.key("pools")
        writer.beginArray()
        for settings in current.pools {
            guard let pool = livePools[settings.name] else { continue }
            writer.beginObject()
            writer.field("name", pool.name)
            writer.field("policy", settings.policy)
            if let auto = pool.autoPolicyInfo {
                writer.key("auto")
                auto.writeJSON(to: &writer)
            }
            (pool.metrics?.stats.snapshot() ?? StatsSnapshot()).writeFields(to: &writer)
            pool.metrics?.stats.writeMinutes(to: &writer)
            writer.key("targets")
            writer.beginArray()
            for target in pool.balancer.targets {
                writer.beginObject()
                condition(of: target, inPool: pool.name).writeFields(to: &writer)
                let metrics = pool.metrics?.targets[target.id]
                (metrics?.stats.snapshot() ?? StatsSnapshot()).writeFields(to: &writer)
                writer.key("setup")
                (metrics?.setup.snapshot() ?? StatsSnapshot()).writeWindows(to: &writer)
                metrics?.writeDiagnostics(to: &writer)
                if let hosts = pool.balancer.guards?.hostsPushingBack(target) { writer.field("pushed_back_hosts", hosts) }
                writer.endObject()
            }
            writer.endArray()
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.text
    }

    /// `2026-11-23T10:00:00Z` for seconds since the epoch.
    static func iso8601(_ seconds: time_t) -> String {
        var clock = seconds
        var parts = tm()
        gmtime_r(&clock, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}

extension TargetInfo {
    /// Writes the target's fields into the object `writer` is in (the `/stats` target object).
    func writeFields(to writer: inout JSONWriter) {
        writer.field("id", id)
        writer.field("weight", weight)
        writer.field("max_connections", maxConnections)
        writer.field("enabled", enabled)
        writer.field("draining", draining)
        writer.field("active_connections", activeConnections)
        writer.field("health", health)
        writer.field("health_cause", healthCause)
        writer.field("circuit", circuit)
        if let lastCheck { writer.field("last_check", lastCheck) }
        if let secondsInHealthState { writer.field("health_state_seconds", secondsInHealthState) }
    }
}
