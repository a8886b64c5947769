import Yams

/// The pool keys of `ResilienceSettings` and the `rate_limits` entries listeners share with pools.
extension ConfigDecoder {
    private static let healthCheckKeys = [
        "type", "interval", "timeout", "path", "expect_status", "expect_body", "host", "target", "failure_threshold",
        "success_threshold",
    ]
    private static let outlierDetectionKeys = [
        "consecutive_failures", "count_server_errors", "ejection_time", "max_ejection_time", "max_ejection_percent",
        "recover",
    ]
    private static let circuitBreakerKeys = [
        "failure_threshold", "failure_ratio", "minimum_requests", "window", "timeout", "max_half_open",
        "success_threshold",
    ]
    private static let rateLimitKeys = ["key", "algorithm", "rate", "burst", "window", "max_keys"]
    private static let queueKeys = ["max", "timeout", "class_header", "classes", "default_class"]

    /// Health checks, ejection, breakers, push-back, rate limits and the queue, from a pool's mapping.
    func resilience(_ fields: YAMLMapping) -> ResilienceSettings {
        var settings = ResilienceSettings()
        if let health = fields.mapping("health_check", keys: Self.healthCheckKeys) {
            settings.healthCheck = healthCheck(health)
        }
        fields.read(
            "initial", into: &settings.initialState, noun: "choice for initial",
            parse: InitialTargetState.init(rawValue:))
        if let outlier = fields.mapping("outlier_detection", keys: Self.outlierDetectionKeys) {
            var detection = OutlierDetectionSettings()
            outlier.read("consecutive_failures", into: &detection.consecutiveFailures)
            outlier.read("count_server_errors", into: &detection.countServerErrors)
            outlier.read("ejection_time", into: &detection.ejectionTime)
            outlier.read("max_ejection_time", into: &detection.maxEjectionTime)
            outlier.read("max_ejection_percent", into: &detection.maxEjectionPercent)
            outlier.read(
                "recover", into: &detection.recover, noun: "recovery mode",
                parse: OutlierDetectionSettings.Recovery.init(rawValue:))
            settings.outlierDetection = detection
        }
        fields.read("unreachable_ejection", into: &settings.unreachableEjection)
        if let circuit = fields.mapping("circuit_breaker", keys: Self.circuitBreakerKeys) {
            var breaker = CircuitBreakerSettings()
            circuit.read("failure_threshold", into: &breaker.failureThreshold)
            circuit.read("failure_ratio", into: &breaker.failureRatio)
            circuit.read("minimum_requests", into: &breaker.minimumRequests)
            circuit.read("window", into: &breaker.window)
            circuit.read("timeout", into: &breaker.timeout)
            circuit.read("max_half_open", into: &breaker.maxHalfOpen)
            circuit.read("success_threshold", into: &breaker.successThreshold)
            settings.circuitBreaker = breaker
        }
        if let pushBack = fields.mapping("push_back", keys: ["enabled", "statuses", "duration", "max"]) {
            pushBack.read("enabled", into: &settings.pushBack.enabled)
            pushBack.read("statuses", into: &settings.pushBack.statuses)
            pushBack.read("duration", into: &settings.pushBack.duration)
            pushBack.read("max", into: &settings.pushBack.max)
        }
        settings.rateLimits = fields.list("rate_limits")?.map(rateLimit) ?? []
        if let queue = fields.mapping("queue", keys: Self.queueKeys) {
            settings.queue = self.queue(queue)
        }
        return settings
    }

    /// One entry of a pool's or a listener's `rate_limits`.
    func rateLimit(path: String, node: Node) -> RateLimitSettings {
        var limit = RateLimitSettings(key: .clientIP, rate: 0)
        guard let fields = reader.mapping(node, at: path, keys: Self.rateLimitKeys) else { return limit }
        fields.read(
            "key", into: &limit.key, noun: "rate limit key", required: true,
            parse: RateLimitSettings.Key.init(rawValue:))
        fields.read(
            "algorithm", into: &limit.algorithm, noun: "rate limit algorithm",
            parse: RateLimitSettings.Algorithm.init(rawValue:))
        fields.read("rate", into: &limit.rate, required: true, as: YAMLScalar.rate)
        fields.read("burst", into: &limit.burst)
        fields.read("window", into: &limit.window)
        fields.read("max_keys", into: &limit.maxKeys)
        return limit
    }

    private func healthCheck(_ fields: YAMLMapping) -> HealthCheckSettings {
        var check = HealthCheckSettings()
        fields.read(
            "type", into: &check.type, noun: "health check type", parse: HealthCheckSettings.CheckType.init(rawValue:))
        fields.read("interval", into: &check.interval)
        fields.read("timeout", into: &check.timeout)
        fields.read("path", into: &check.path)
        fields.read("expect_status", into: &check.expectStatus, as: YAMLScalar.statusRanges)
        fields.read("expect_body", into: &check.expectBody)
        fields.read("host", into: &check.host)
        fields.read("target", into: &check.target)
        fields.read("failure_threshold", into: &check.failureThreshold)
        fields.read("success_threshold", into: &check.successThreshold)
        return check
    }

    /// The queue; classes keep the file's order, and without `default_class` the first class is the default.
    private func queue(_ fields: YAMLMapping) -> QueueSettings {
        var queue = QueueSettings()
        fields.read("max", into: &queue.max)
        fields.read("timeout", into: &queue.timeout)
        fields.read("class_header", into: &queue.classHeader)
        if let classes = fields.mapping("classes", keys: nil) {
            queue.classes = classes.entries.map { entry in
                var weight = 1
                classes.read(entry.key, into: &weight)
                return QueueClass(name: entry.key, weight: weight)
            }
            queue.defaultClass = queue.classes.first?.name ?? ""
        }
        fields.read("default_class", into: &queue.defaultClass)
        return queue
    }
}
