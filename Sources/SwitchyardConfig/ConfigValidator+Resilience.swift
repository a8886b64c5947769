/// The rules of `ResilienceSettings`, of listeners' rate limits and of routes' queue classes.
extension ConfigValidator {
    /// A pool's health checks, ejection, breakers, push-back, rate limits and queue; `path` is the pool's.
    mutating func check(
        _ resilience: ResilienceSettings, of pool: PoolSettings, at path: String, usedBy modes: Set<ListenerMode>
    ) {
        if let health = resilience.healthCheck { check(health, of: pool, at: "\(path).health_check") }
        if let outlier = resilience.outlierDetection { check(outlier, at: "\(path).outlier_detection") }
        if let breaker = resilience.circuitBreaker { check(breaker, at: "\(path).circuit_breaker") }
        check(resilience.pushBack, at: "\(path).push_back")
        check(resilience.rateLimits, at: "\(path).rate_limits") { key in
            guard key == .route, !modes.isEmpty, !modes.contains(.reverse) else { return nil }
            return "route limits need a pool used by a reverse listener"
        }
        if let queue = resilience.queue { check(queue, at: "\(path).queue") }
    }

    /// A listener's own limits: never `target_and_host`, `route` only when reverse, `user` only with proxy auth.
    mutating func check(_ limits: [RateLimitSettings], at path: String, of listener: ListenerSettings) {
        check(limits, at: path) { key in
            switch key {
            case .targetAndHost: "target_and_host limits belong to pools, where they steer the pick of a target"
            case .route where listener.mode != .reverse: "route limits need a reverse listener"
            case .user where listener.auth == nil: "user limits need proxy auth (\"auth\") on this listener"
            default: nil
            }
        }
    }

    /// A route's `queue_class`: a class of its pool's queue.
    mutating func checkQueueClass(_ name: String, of pool: PoolSettings, at path: String) {
        guard let queue = pool.resilience.queue else {
            report("pool \"\(pool.name)\" has no queue to put this route's requests in", at: path)
            return
        }
        if !queue.classes.contains(where: { $0.name == name }) {
            report(Self.noClass(name, in: queue, of: " in the queue of pool \"\(pool.name)\""), at: path)
        }
    }

    private mutating func check(_ health: HealthCheckSettings, of pool: PoolSettings, at path: String) {
        positive(health.interval, at: "\(path).interval")
        positive(health.timeout, at: "\(path).timeout")
        if health.type == .http, !health.path.hasPrefix("/") {
            report("must start with \"/\", got \"\(health.path)\"", at: "\(path).path")
        }
        atLeast(1, health.failureThreshold, at: "\(path).failure_threshold")
        atLeast(1, health.successThreshold, at: "\(path).success_threshold")
        if let target = health.target {
            do {
                _ = try HealthCheckTarget.parse(target)
            } catch {
                report(error.message, at: "\(path).target")
            }
        } else if pool.targets.contains(where: { $0.url == nil }) {
            report(
                "required when the pool has targets without a url: those check this address through their source IP",
                at: "\(path).target")
        }
    }

    private mutating func check(_ outlier: OutlierDetectionSettings, at path: String) {
        atLeast(1, outlier.consecutiveFailures, at: "\(path).consecutive_failures")
        positive(outlier.ejectionTime, at: "\(path).ejection_time")
        positive(outlier.maxEjectionTime, at: "\(path).max_ejection_time")
        if !(0...100).contains(outlier.maxEjectionPercent) {
            report("must be 0-100, got \(outlier.maxEjectionPercent)", at: "\(path).max_ejection_percent")
        }
    }

    private mutating func check(_ breaker: CircuitBreakerSettings, at path: String) {
        atLeast(0, breaker.failureThreshold, at: "\(path).failure_threshold")
        if let ratio = breaker.failureRatio, !(ratio > 0 && ratio <= 1) {
            report("must be greater than 0 and at most 1, got \(ratio)", at: "\(path).failure_ratio")
        }
        if breaker.failureThreshold == 0, breaker.failureRatio == nil {
            report("never opens: set failure_threshold above 0 or a failure_ratio", at: path)
        }
        atLeast(1, breaker.minimumRequests, at: "\(path).minimum_requests")
        positive(breaker.window, at: "\(path).window")
        positive(breaker.timeout, at: "\(path).timeout")
        atLeast(1, breaker.maxHalfOpen, at: "\(path).max_half_open")
        atLeast(1, breaker.successThreshold, at: "\(path).success_threshold")
    }

    private mutating func check(_ pushBack: PushBackSettings, at path: String) {
        for (index, status) in pushBack.statuses.enumerated() where !(100...599).contains(status) {
            report(
                "must be an HTTP status (100-599), got \(status)", at: ConfigPath.index(index, in: "\(path).statuses"))
        }
        if pushBack.duration < .zero { report("must not be negative", at: "\(path).duration") }
        positive(pushBack.max, at: "\(path).max")
    }

    /// Each limit's numbers, and its key against `keyProblem` (why the key is not allowed here, or nil).
    private mutating func check(
        _ limits: [RateLimitSettings], at path: String, keyProblem: (RateLimitSettings.Key) -> String?
    ) {
        for (index, limit) in limits.enumerated() {
            let limitPath = ConfigPath.index(index, in: path)
            if let problem = keyProblem(limit.key) { report(problem, at: "\(limitPath).key") }
            if !(limit.rate > 0 && limit.rate.isFinite) {
                report("must be greater than 0, got \(RateText.format(limit.rate))", at: "\(limitPath).rate")
            }
            if let burst = limit.burst { atLeast(1, burst, at: "\(limitPath).burst") }
            positive(limit.window, at: "\(limitPath).window")
            atLeast(1, limit.maxKeys, at: "\(limitPath).max_keys")
        }
    }

    private mutating func check(_ queue: QueueSettings, at path: String) {
        atLeast(0, queue.max, at: "\(path).max")
        positive(queue.timeout, at: "\(path).timeout")
        if queue.classes.isEmpty { report("must name at least one class", at: "\(path).classes") }
        var names: Set<String> = []
        for queueClass in queue.classes {
            guard !queueClass.name.isEmpty else {
                report("a class name must not be empty", at: "\(path).classes")
                continue
            }
            let classPath = ConfigPath.key(queueClass.name, in: "\(path).classes")
            if !names.insert(queueClass.name).inserted {
                report("duplicate class \"\(queueClass.name)\"", at: classPath)
            }
            within(1...TargetSettings.maxWeight, queueClass.weight, at: classPath)
        }
        if !queue.classes.isEmpty, !queue.classes.contains(where: { $0.name == queue.defaultClass }) {
            report(Self.noClass(queue.defaultClass, in: queue), at: "\(path).default_class")
        }
    }

    /// `no class named "x"` and `place`, with the closest class or the list of them.
    private static func noClass(_ name: String, in queue: QueueSettings, of place: String = "") -> String {
        let names = queue.classes.map(\.name).filter { !$0.isEmpty }
        let hint = Suggestion.didYouMean(name, in: names)
        let known = names.isEmpty ? "; it has no classes" : "; classes: \(names.joined(separator: ", "))"
        return "no class named \"\(name)\"\(place)" + (hint.isEmpty ? known : hint)
    }
}
