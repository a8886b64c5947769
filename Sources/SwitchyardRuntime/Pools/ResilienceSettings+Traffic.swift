import NIOCore
import SwitchyardBalancing
import SwitchyardConfig
import SwitchyardProxy
import SwitchyardTraffic

/// Translations of the resilience settings into the pure state machines that enforce them.
extension ResilienceSettings {
    /// The per-target and per-host guards; nil when the pool needs none.
    func poolGuards(targets: [BalancingTarget], clock: any MonotonicClock) -> PoolGuards? {
        let configuration = PoolGuards.Configuration(
            circuitBreaker: circuitBreaker.map { breaker in
                CircuitBreaker.Configuration(
                    failureThreshold: breaker.failureThreshold > 0 ? breaker.failureThreshold : nil,
                    failureRatio: breaker.failureRatio,
                    minimumRequests: breaker.minimumRequests,
                    window: breaker.window,
                    openDuration: breaker.timeout,
                    maxHalfOpen: breaker.maxHalfOpen,
                    successThreshold: breaker.successThreshold
                )
            },
            outlierDetection: outlierDetection.map { outliers in
                OutlierDetector<String>.Configuration(
                    consecutiveFailures: outliers.consecutiveFailures,
                    countServerErrors: outliers.countServerErrors,
                    ejectionTime: outliers.ejectionTime,
                    maxEjectionTime: outliers.maxEjectionTime,
                    maxEjectionPercent: outliers.maxEjectionPercent,
                    recovery: outliers.recover == .instant ? .instant : .afterEjectionTime
                )
            },
            unreachableEjection: unreachableEjection > .zero ? unreachableEjection : nil,
            pushBack: pushBack.enabled
                ? PoolGuards.PushBack(
                    statuses: Set(pushBack.statuses), defaultDuration: pushBack.duration, maxDuration: pushBack.max)
                : nil,
            targetAndHostLimit: rateLimits.first { $0.key == .targetAndHost }?.rule
        )
        return configuration.isEmpty ? nil : PoolGuards(targets: targets, configuration: configuration, clock: clock)
    }

    /// The wait queue; nil when requests should fail at once.
    var waitQueue: ConnectionWaitQueue? {
        guard let queue, queue.max > 0 else { return nil }
        return ConnectionWaitQueue(
            capacity: queue.max,
            timeout: queue.timeout,
            classHeader: queue.classHeader,
            classes: queue.classes.map { ($0.name, $0.weight) },
            defaultClass: queue.defaultClass
        )
    }
}

extension [RateLimitSettings] {
    /// The limits counted per request (all but `target_and_host`, which steers the pick); nil when there are none.
    func requestRateLimits(clock: any MonotonicClock) -> RequestRateLimits? {
        let rules = compactMap { limit -> (key: RequestRateLimits.Key, rule: RateLimitRule)? in
            let key: RequestRateLimits.Key
            switch limit.key {
            case .clientIP: key = .clientIP
            case .user: key = .user
            case .listener: key = .listener
            case .route: key = .route
            case .destinationHost: key = .destinationHost
            case .targetAndHost: return nil
            }
            return (key, limit.rule)
        }
        return rules.isEmpty ? nil : RequestRateLimits(rules: rules, clock: clock)
    }
}

extension RateLimitSettings {
    var rule: RateLimitRule {
        let algorithm: RateLimitRule.Algorithm =
            switch self.algorithm {
            case .tokenBucket: .tokenBucket(burst: effectiveBurst)
            case .slidingWindow: .slidingWindow(window: window)
            }
        return RateLimitRule(algorithm: algorithm, rate: rate, maxKeys: maxKeys)
    }
}

extension HealthCheckSettings {
    /// The check as the prober runs it, on targets that start in `initialState`.
    func healthCheck(initialState: InitialTargetState) -> HealthCheck {
        let probe: HealthCheck.Probe =
            switch type {
            case .tcp: .tcp
            case .http: .http(path: path, expectStatus: expectStatus.contains, expectBody: expectBody, host: host)
            }
        return HealthCheck(
            probe: probe,
            interval: TimeAmount(interval),
            timeout: TimeAmount(timeout),
            egressDestination: parsedTarget.map {
                HealthCheck.Destination(host: $0.host, port: $0.port, path: $0.path)
            },
            thresholds: HealthStateMachine.Configuration(
                failureThreshold: failureThreshold,
                successThreshold: successThreshold,
                initialState: initialState == .healthy ? .healthy : .unhealthyUntilChecked
            )
        )
    }
}
