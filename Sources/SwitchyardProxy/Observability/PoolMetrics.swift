import Prometheus
import SwitchyardStats
import SwitchyardTraffic

/// The metrics and windows of one pool and its targets.
///
/// Thread-safety: all members may be used from any thread at the same time.
public final class PoolMetrics: Sendable {
    public let name: String
    public let stats: RequestStats
    public let targets: [String: TargetMetrics]

    init(name: String, stats: RequestStats, targets: [String: TargetMetrics]) {
        self.name = name
        self.stats = stats
        self.targets = targets
    }
}

/// The metrics and windows of one target.
///
/// Thread-safety: all members may be used from any thread at the same time.
public final class TargetMetrics: Sendable {
    /// The requests and tunnels the target served to their end, timed from head to end.
    public let stats = RequestStats()
    /// The time from the pick to the target's answer: to the tunnel's establishment (through an upstream proxy:
    /// once its CONNECT or SOCKS5 handshake succeeded) or to the response head; successes only.
    public let setup = RequestStats()
    let selections: Counter
    /// Set from `stats.maxConcurrency` when metrics are rendered.
    public let maxConcurrency: Gauge
    private let attemptsSucceeded: Counter
    private let attemptsFailed: Counter
    private let bytesIn: Counter
    private let bytesOut: Counter
    private let setupDuration: DurationHistogram
    /// Set from the target's live state when metrics are rendered.
    public let activeConnections: Gauge
    public let healthy: Gauge
    /// 0 closed, 1 half-open, 2 open.
    public let circuitState: Gauge
    let checksPassed: Counter
    let checksFailed: Counter
    let checkDuration: DurationHistogram
    /// How long the last active health check took; nil before the first.
    private let lastCheck = LockedValue<Duration?>(nil)
    /// The upstream errors by kind, with their counts (Prometheus counters cannot be read back).
    private let errors: LockedValue<[String: (counter: Counter, count: Int)]>
    private let labels: [(String, String)]
    private let registry: PrometheusCollectorRegistry

    init(pool: String, target: String, registry: PrometheusCollectorRegistry) {
        let labels = [("pool", pool), ("target", target)]
        self.labels = labels
        self.registry = registry
        self.errors = LockedValue([:])
        selections = registry.makeCounter(
            descriptor: .switchyard(
                "balancer_selections", unit: "total", help: "Times the balancer picked the target."), labels: labels)
        activeConnections = registry.makeGauge(
            descriptor: .switchyard(
                "target_active_connections", unit: "", help: "Requests and tunnels open through the target now."),
            labels: labels)
        maxConcurrency = registry.makeGauge(
            descriptor: .switchyard(
                "target_max_concurrency", unit: "", help: "The most requests and tunnels open through the target at once."),
            labels: labels)
        let attempts = MetricNameDescriptor.switchyard(
            "target_requests", unit: "total",
            help: "Requests and tunnels sent through the target (retried attempts included), by how the target answered.")
        attemptsSucceeded = registry.makeCounter(descriptor: attempts, labels: labels + [("result", "success")])
        attemptsFailed = registry.makeCounter(descriptor: attempts, labels: labels + [("result", "failure")])
        let bytes = MetricNameDescriptor.switchyard(
            "target_bytes", unit: "total",
            help: "Body bytes of the requests and tunnels the target served, in from clients and out to them.")
        bytesIn = registry.makeCounter(descriptor: bytes, labels: labels + [("direction", "in")])
        bytesOut = registry.makeCounter(descriptor: bytes, labels: labels + [("direction", "out")])
        setupDuration = registry.makeDurationHistogram(
            descriptor: .switchyard(
                "target_setup_duration", unit: "seconds",
                help: "Time from picking the target to its tunnel being established or its response head arriving."),
            labels: labels,
            buckets: [
                .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
                .seconds(10),
            ])
        healthy = registry.makeGauge(
            descriptor: .switchyard(
                "target_healthy", unit: "",
                help: "1 when the target is in rotation by health (checks, ejection, circuit), else 0."), labels: labels
        )
        circuitState = registry.makeGauge(
            descriptor: .switchyard("circuit_state", unit: "", help: "Circuit breaker: 0 closed, 1 half-open, 2 open."),
            labels: labels)
        checksPassed = registry.makeCounter(
            descriptor: .switchyard("health_checks", unit: "total", help: "Active health checks, by result."),
            labels: labels + [("result", "passed")])
        checksFailed = registry.makeCounter(
            descriptor: .switchyard("health_checks", unit: "total", help: "Active health checks, by result."),
            labels: labels + [("result", "failed")])
        checkDuration = registry.makeDurationHistogram(
            descriptor: .switchyard(
                "health_check_duration", unit: "seconds", help: "Time an active health check took."), labels: labels,
            buckets: [
                .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500),
                .seconds(1), .seconds(5), .seconds(10),
            ])
    }

    /// Counts one attempt through the target that the target answered (`setup` after the pick) or failed.
    func attempted(succeeded: Bool, setup: Duration) {
        guard succeeded else { return attemptsFailed.increment() }
        attemptsSucceeded.increment()
        setupDuration.record(setup)
        self.setup.record(latency: setup, succeeded: true, bytesIn: 0, bytesOut: 0)
    }

    /// Counts a request or tunnel the target served to its end, in its windows and byte counters.
    func served(duration: Duration, succeeded: Bool, bytesIn: Int, bytesOut: Int) {
        stats.record(latency: duration, succeeded: succeeded, bytesIn: bytesIn, bytesOut: bytesOut)
        if bytesIn > 0 { self.bytesIn.increment(by: Int64(bytesIn)) }
        if bytesOut > 0 { self.bytesOut.increment(by: Int64(bytesOut)) }
    }

    /// Counts an upstream failure of `kind` (`connect_failed`, `reset`, `timeout`, `server_error`).
    func upstreamError(_ kind: String) {
        errors.withLock { counters in
            let counter =
                counters[kind]?.counter
                ?? registry.makeCounter(
                    descriptor: .switchyard(
                        "upstream_errors", unit: "total",
                        help: "Failures of requests and tunnels through the target, by kind."),
                    labels: labels + [("kind", kind)])
            counters[kind] = (counter, (counters[kind]?.count ?? 0) + 1)
            return counter
        }.increment()
    }

    /// The upstream errors counted so far, by kind (`connect_failed`, `reset`, `timeout`, `server_error`).
    public var errorCounts: [String: Int] {
        errors.withLock { $0.mapValues(\.count) }
    }

    /// How long the last active health check took; nil without checks or before the first.
    public var lastCheckDuration: Duration? {
        lastCheck.withLock { $0 }
    }

    func healthChecked(passed: Bool, duration: Duration) {
        (passed ? checksPassed : checksFailed).increment()
        checkDuration.record(duration)
        lastCheck.withLock { $0 = duration }
    }
}
