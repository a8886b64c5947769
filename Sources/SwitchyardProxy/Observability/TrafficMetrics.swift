import Prometheus
import SwitchyardStats
import SwitchyardTraffic

/// The Prometheus metrics and `/stats` windows of one running Switchyard, shared by its listeners and pools.
///
/// Metrics are made once per label set and cached, so the data path only increments atomics (plus one short lock to
/// find a request counter by method and status). Gauges that mirror live state (connections, health, circuits) are
/// set by whoever renders the metrics, from that state. No label takes unbounded values: methods outside the
/// standard set count as `OTHER`, statuses are the three-digit codes the proxy sends.
///
/// Thread-safety: all members may be used from any thread at the same time.
public final class TrafficMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// The whole process's request windows.
    public let stats: RequestStats
    private let limitRejections: LockedValue<[String: Counter]>
    private let reloads: LockedValue<[Bool: Counter]>
    private let adminAuthFailures: (counter: Counter, exported: LockedValue<Int>)
    private let logLinesDropped: (counter: Counter, exported: LockedValue<Int>)
    /// Requests per destination host, for at most `hostLimit` hosts; empty when off.
    private let hostCounters = LockedValue<[String: Counter]>([:])
    private let hostLimit: Int
    /// Pool windows and target metrics by pool (and target), kept across reloads so windows carry on.
    private let poolStats = LockedValue<[String: RequestStats]>([:])
    private let targetMetrics = LockedValue<[String: [String: TargetMetrics]]>([:])
    /// `switchyard_sticky_entries` by pool, for the pools with sticky sessions.
    private let stickyEntries = LockedValue<[String: Gauge]>([:])

    /// - Parameter perHostLimit: how many destination hosts get their own request counter (the rest count as
    ///   `other`); 0 counts none.
    public init(
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), perHostLimit: Int = 0,
        clock: any MonotonicClock = SystemClock()
    ) {
        self.hostLimit = perHostLimit
        self.registry = registry
        self.stats = RequestStats(clock: clock)
        self.limitRejections = LockedValue([:])
        self.reloads = LockedValue([:])
        self.adminAuthFailures = (
            ListenerMetrics.authFailureCounter(listener: "admin", registry: registry), LockedValue(0)
        )
        self.logLinesDropped = (
            registry.makeCounter(
                descriptor: .switchyard(
                    "log_lines_dropped", unit: "total",
                    help: "Log lines dropped because standard output was not read fast enough.")),
            LockedValue(0)
        )
    }

    /// Counts a request or connection refused by a limit: `client_connections`, `listener_connections`, `rate_limit`, `queue`,
    /// `no_target`, `tls_handshake_timeout`.
    public func limitRejected(_ kind: String) {
        limitRejections.withLock { counters in
            if counters[kind] == nil {
                counters[kind] = registry.makeCounter(
                    descriptor: .switchyard(
                        "limit_rejections", unit: "total", help: "Requests and connections refused by a limit, by kind."
                    ), labels: [("kind", kind)])
            }
            return counters[kind]!
        }.increment()
    }

    /// Counts a request to `host` when per-host counting is on: its own series for the first `perHostLimit` hosts
    /// seen, `other` for the rest, so the label stays bounded.
    func countHost(_ host: String) {
        guard hostLimit > 0 else { return }
        hostCounters.withLock { counters in
            if let counter = counters[host] { return counter }
            let label = counters.count < hostLimit ? host : "other"
            if let counter = counters[label] { return counter }
            let counter = registry.makeCounter(
                descriptor: .switchyard(
                    "destination_requests", unit: "total",
                    help: "Requests and tunnels by destination host, for the first hosts seen (admin.per_host_metrics)."),
                labels: [("host", label)])
            counters[label] = counter
            return counter
        }.increment()
    }

    /// Counts a configuration reload.
    public func configReloaded(succeeded: Bool) {
        reloads.withLock { counters in
            if counters[succeeded] == nil {
                counters[succeeded] = registry.makeCounter(
                    descriptor: .switchyard("config_reloads", unit: "total", help: "Configuration reloads, by result."),
                    labels: [("result", succeeded ? "success" : "failure")])
            }
            return counters[succeeded]!
        }.increment()
    }

    /// Brings `switchyard_auth_failures_total{listener="admin"}` up to `total`, the admin server's own count.
    public func noteAdminAuthFailures(total: Int) {
        Self.bring(adminAuthFailures, upTo: total)
    }

    /// Brings `switchyard_log_lines_dropped_total` up to `total`, the log writer's own count.
    public func noteLogLinesDropped(total: Int) {
        Self.bring(logLinesDropped, upTo: total)
    }

    /// Increments a counter that mirrors a count kept elsewhere by what that count gained since it was last exported.
    private static func bring(_ mirror: (counter: Counter, exported: LockedValue<Int>), upTo total: Int) {
        let added = mirror.exported.withLock { exported in
            defer { exported = max(exported, total) }
            return max(0, total - exported)
        }
        if added > 0 { mirror.counter.increment(by: Int64(added)) }
    }

    /// Sets `switchyard_sticky_entries{pool}` to the live sticky-session pins of each pool in `counts` (every pool
    /// with sticky sessions), and drops the gauge of a pool that no longer has them; called when metrics are
    /// rendered.
    public func setStickyEntries(_ counts: [String: Int]) {
        stickyEntries.withLock { gauges in
            for (pool, gauge) in gauges where counts[pool] == nil {
                registry.unregisterGauge(gauge)
                gauges[pool] = nil
            }
            for (pool, count) in counts {
                let gauge =
                    gauges[pool]
                    ?? registry.makeGauge(
                        descriptor: .switchyard(
                            "sticky_entries", unit: "", help: "Live sticky-session pins of the pool."),
                        labels: [("pool", pool)])
                gauges[pool] = gauge
                gauge.set(Int64(count))
            }
        }
    }

    /// The metrics of the listener named `name`.
    public func listener(_ name: String) -> ListenerMetrics {
        ListenerMetrics(name: name, traffic: self)
    }

    /// The metrics of the pool named `name` with targets `targetIDs`; the same windows and counters as before for a
    /// pool and targets that existed already.
    public func pool(_ name: String, targetIDs: [String]) -> PoolMetrics {
        let stats = poolStats.withLock { stats in
            if stats[name] == nil { stats[name] = RequestStats() }
            return stats[name]!
        }
        let targets = targetMetrics.withLock { pools in
            var known = pools[name, default: [:]]
            for id in targetIDs where known[id] == nil {
                known[id] = TargetMetrics(pool: name, target: id, registry: registry)
            }
            pools[name] = known
            return known.filter { targetIDs.contains($0.key) }
        }
        return PoolMetrics(name: name, stats: stats, targets: targets)
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> String {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The metrics of one listener.
///
/// Thread-safety: all members may be used from any thread at the same time.
public final class ListenerMetrics: Sendable {
    private struct RequestKey: Hashable, Sendable {
        var method: String
        var status: UInt
    }

    private static let knownMethods: Set<String> = [
        "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE",
    ]

    public let name: String
    public let traffic: TrafficMetrics
    /// Set from the listener's connection count when metrics are rendered.
    public let activeConnections: Gauge
    let tunnels: Counter
    let rateLimited: Counter
    let authFailures: Counter
    let bytesIn: Counter
    let bytesOut: Counter
    let duration: DurationHistogram
    private let requests = LockedValue<[RequestKey: Counter]>([:])
    private let denials = LockedValue<[String: Counter]>([:])

    init(name: String, traffic: TrafficMetrics) {
        self.name = name
        self.traffic = traffic
        let registry = traffic.registry
        let labels = [("listener", name)]
        activeConnections = registry.makeGauge(
            descriptor: .switchyard("active_connections", unit: "", help: "Client connections open now."),
            labels: labels)
        tunnels = registry.makeCounter(
            descriptor: .switchyard("tunnels", unit: "total", help: "CONNECT tunnels and WebSocket upgrades opened."),
            labels: labels)
        rateLimited = registry.makeCounter(
            descriptor: .switchyard("rate_limited", unit: "total", help: "Requests answered 429 by a rate limit."),
            labels: labels)
        authFailures = Self.authFailureCounter(listener: name, registry: registry)
        bytesIn = registry.makeCounter(
            descriptor: .switchyard(
                "bytes", unit: "total", help: "Body bytes relayed, in from clients and out to them."),
            labels: labels + [("direction", "in")])
        bytesOut = registry.makeCounter(
            descriptor: .switchyard(
                "bytes", unit: "total", help: "Body bytes relayed, in from clients and out to them."),
            labels: labels + [("direction", "out")])
        duration = registry.makeDurationHistogram(
            descriptor: .switchyard(
                "request_duration", unit: "seconds",
                help: "Time from a request's head to its last response byte (tunnels: their whole life)."),
            labels: labels,
            buckets: [
                .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5),
                .seconds(5), .seconds(10), .seconds(30),
            ])
    }

    static func authFailureCounter(listener: String, registry: PrometheusCollectorRegistry) -> Counter {
        registry.makeCounter(
            descriptor: .switchyard(
                "auth_failures", unit: "total", help: "Requests with missing or wrong credentials."),
            labels: [("listener", listener)])
    }

    /// Counts a request or tunnel the destination policy refused, by the rule that refused it (configured rules
    /// and the few built-in ones, so the label stays bounded).
    func denied(rule: String) {
        denials.withLock { counters in
            if let counter = counters[rule] { return counter }
            let counter = traffic.registry.makeCounter(
                descriptor: .switchyard(
                    "denied", unit: "total", help: "Requests and tunnels refused by the destination policy, by rule."),
                labels: [("listener", name), ("rule", rule)])
            counters[rule] = counter
            return counter
        }.increment()
    }

    /// Counts one finished request or tunnel.
    func recordRequest(method: String, status: UInt, duration: Duration, bytesIn: Int, bytesOut: Int) {
        let key = RequestKey(method: Self.knownMethods.contains(method) ? method : "OTHER", status: status)
        requests.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = traffic.registry.makeCounter(
                descriptor: .switchyard(
                    "requests", unit: "total",
                    help: "Requests and tunnels finished, by method and the status the client got."),
                labels: [("listener", name), ("method", key.method), ("status", String(status))])
            counters[key] = counter
            return counter
        }.increment()
        self.duration.record(duration)
        if bytesIn > 0 { self.bytesIn.increment(by: Int64(bytesIn)) }
        if bytesOut > 0 { self.bytesOut.increment(by: Int64(bytesOut)) }
        traffic.stats.record(latency: duration, succeeded: status < 500, bytesIn: bytesIn, bytesOut: bytesOut)
    }
}

extension MetricNameDescriptor {
    /// A metric named `switchyard_<name>_<unit>` with its help text.
    static func switchyard(_ name: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "switchyard", metricName: name, unitName: unit, helpText: help)
    }
}
