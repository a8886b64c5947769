/// The pool keys of `ResilienceSettings` and the `rate_limits` lists, at the indent of a pool's or listener's fields.
extension ConfigRenderer {
    mutating func write(_ resilience: ResilienceSettings) {
        if let health = resilience.healthCheck {
            add(2, "health_check:")
            add(3, "type: \(health.type.rawValue)")
            add(3, "interval: \(DurationText.format(health.interval))")
            add(3, "timeout: \(DurationText.format(health.timeout))")
            add(3, "path: \(DoubleQuoted.string(health.path))")
            add(3, "expect_status: \(DoubleQuoted.string(health.expectStatus.description))")
            if let body = health.expectBody { add(3, "expect_body: \(DoubleQuoted.string(body))") }
            if let host = health.host { add(3, "host: \(DoubleQuoted.string(host))") }
            if let target = health.target { add(3, "target: \(DoubleQuoted.string(target))") }
            add(3, "failure_threshold: \(health.failureThreshold)")
            add(3, "success_threshold: \(health.successThreshold)")
        }
        add(2, "initial: \(resilience.initialState.rawValue)")
        if let outlier = resilience.outlierDetection {
            add(2, "outlier_detection:")
            add(3, "consecutive_failures: \(outlier.consecutiveFailures)")
            add(3, "count_server_errors: \(outlier.countServerErrors)")
            add(3, "ejection_time: \(DurationText.format(outlier.ejectionTime))")
            add(3, "max_ejection_time: \(DurationText.format(outlier.maxEjectionTime))")
            add(3, "max_ejection_percent: \(outlier.maxEjectionPercent)")
            add(3, "recover: \(outlier.recover.rawValue)")
        }
        add(2, "unreachable_ejection: \(DurationText.format(resilience.unreachableEjection))")
        if let breaker = resilience.circuitBreaker {
            add(2, "circuit_breaker:")
            add(3, "failure_threshold: \(breaker.failureThreshold)")
            if let ratio = breaker.failureRatio { add(3, "failure_ratio: \(ratio)") }
            add(3, "minimum_requests: \(breaker.minimumRequests)")
            add(3, "window: \(DurationText.format(breaker.window))")
            add(3, "timeout: \(DurationText.format(breaker.timeout))")
            add(3, "max_half_open: \(breaker.maxHalfOpen)")
            add(3, "success_threshold: \(breaker.successThreshold)")
        }
        let pushBack = resilience.pushBack
        add(2, "push_back:")
        add(3, "enabled: \(pushBack.enabled)")
        add(3, "statuses: [\(pushBack.statuses.map(String.init).joined(separator: ", "))]")
        add(3, "duration: \(DurationText.format(pushBack.duration))")
        add(3, "max: \(DurationText.format(pushBack.max))")
        if !resilience.rateLimits.isEmpty { write(resilience.rateLimits) }
        if let queue = resilience.queue {
            add(2, "queue:")
            add(3, "max: \(queue.max)")
            add(3, "timeout: \(DurationText.format(queue.timeout))")
            if let header = queue.classHeader { add(3, "class_header: \(DoubleQuoted.string(header))") }
            add(3, queue.classes.isEmpty ? "classes: {}" : "classes:")
            for queueClass in queue.classes { add(4, "\(DoubleQuoted.string(queueClass.name)): \(queueClass.weight)") }
            add(3, "default_class: \(DoubleQuoted.string(queue.defaultClass))")
        }
    }

    mutating func write(_ limits: [RateLimitSettings]) {
        add(2, "rate_limits:")
        for limit in limits {
            add(3, "- key: \(limit.key.rawValue)")
            add(4, "algorithm: \(limit.algorithm.rawValue)")
            add(4, "rate: \(RateText.format(limit.rate))")
            if let burst = limit.burst { add(4, "burst: \(burst)") }
            add(4, "window: \(DurationText.format(limit.window))")
            add(4, "max_keys: \(limit.maxKeys)")
        }
    }
}
