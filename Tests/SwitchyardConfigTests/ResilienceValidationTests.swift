import Testing

@testable import SwitchyardConfig

@Suite struct ResilienceValidationTests {
    /// `minimalYAML` with `lines` added to its pool, from line 10 on.
    private static func pool(_ lines: String) -> String {
        minimalYAML + lines.split(separator: "\n").map { "    \($0)\n" }.joined()
    }

    /// A reverse listener (lines 1-9) routing to pool `api` of URL targets; `lines` go into the pool from line 13 on.
    private static func reversePool(_ lines: String, route: String = "") -> String {
        """
        listeners:
          - name: web
            mode: reverse
            listen: "127.0.0.1:8080"
            routes:
              - pool: api
                queue_class: \(route.isEmpty ? "~" : route)
              - pool: api
                match: { path_prefix: "/x" }
        pools:
          api:
            targets: [ { url: "http://127.0.0.1:9001" } ]

        """ + lines.split(separator: "\n").map { "    \($0)\n" }.joined()
    }

    @Test func theResilienceExampleIsValid() {
        #expect(issues(in: resilienceYAML).isEmpty)
    }

    @Test func healthCheckNumbersAndPathAreChecked() {
        let yaml = Self.pool(
            """
            health_check:
              interval: 0s
              timeout: 0ms
              type: http
              path: health
              failure_threshold: 0
              success_threshold: 0
            """)
        #expect(
            issues(in: yaml).map(\.description) == [
                "cfg.yaml:11: pools.outbound.health_check.interval: must be greater than 0, got 0s",
                "cfg.yaml:12: pools.outbound.health_check.timeout: must be greater than 0, got 0s",
                "cfg.yaml:14: pools.outbound.health_check.path: must start with \"/\", got \"health\"",
                "cfg.yaml:15: pools.outbound.health_check.failure_threshold: must be at least 1, got 0",
                "cfg.yaml:16: pools.outbound.health_check.success_threshold: must be at least 1, got 0",
                "cfg.yaml:10: pools.outbound.health_check.target: required when the pool has targets without a url: "
                    + "those check this address through their source IP",
            ])
    }

    @Test func egressTargetsNeedACheckTargetButBackendsDoNot() {
        #expect(
            issues(in: Self.pool("health_check: { type: tcp }")).map(\.path) == ["pools.outbound.health_check.target"])
        #expect(issues(in: Self.reversePool("health_check: { type: http, path: /ping }")).isEmpty)
        #expect(issues(in: Self.reversePool("health_check: { target: \"127.0.0.1:1\" }")).isEmpty)
    }

    @Test(arguments: [
        "127.0.0.1", "127.0.0.1:0", "https://x:1/", "http://", "http:///x", "http://a b/", "tcp://x:1", "x:99999",
        "x/y:80", "http://u@x:1/", "http://x:0/", "::1:80", "http://[x]/",
    ])
    func badCheckTargetsAreErrors(text: String) {
        let found = issues(in: Self.pool("health_check: { target: \"\(text)\" }"))
        #expect(found.map(\.path) == ["pools.outbound.health_check.target"], "\(text)")
        #expect(found.first?.line == 10)
        #expect(
            found.first?.message
                == "\"\(text)\" is not a check target; write HOST:PORT or http://HOST[:PORT][/PATH], "
                + "e.g. \"127.0.0.1:9000\" or \"http://127.0.0.1:9000/health\"")
        #expect(HealthCheckTarget(configText: text) == nil)
    }

    @Test(arguments: [
        ("127.0.0.1:9000", HealthCheckTarget(host: "127.0.0.1", port: 9000)),
        ("[::1]:9000", HealthCheckTarget(host: "::1", port: 9000)),
        ("example.com:443", HealthCheckTarget(host: "example.com", port: 443)),
        ("http://127.0.0.1:9000/health", HealthCheckTarget(host: "127.0.0.1", port: 9000, path: "/health")),
        ("http://example.com", HealthCheckTarget(host: "example.com", port: 80)),
        ("HTTP://example.com/", HealthCheckTarget(host: "example.com", port: 80, path: "/")),
        ("http://[::1]/x?y=1", HealthCheckTarget(host: "::1", port: 80, path: "/x?y=1")),
        ("http://[::1]:8080/", HealthCheckTarget(host: "::1", port: 8080, path: "/")),
    ])
    func goodCheckTargetsParse(text: String, target: HealthCheckTarget) {
        #expect(HealthCheckTarget(configText: text) == target)
        #expect(issues(in: Self.pool("health_check: { target: \"\(text)\" }")).isEmpty, "\(text)")
    }

    @Test func outlierDetectionBounds() {
        let yaml = Self.pool(
            """
            outlier_detection:
              consecutive_failures: 0
              ejection_time: 0s
              max_ejection_time: 0s
              max_ejection_percent: 101
            """)
        #expect(
            issues(in: yaml).map(\.description) == [
                "cfg.yaml:11: pools.outbound.outlier_detection.consecutive_failures: must be at least 1, got 0",
                "cfg.yaml:12: pools.outbound.outlier_detection.ejection_time: must be greater than 0, got 0s",
                "cfg.yaml:13: pools.outbound.outlier_detection.max_ejection_time: must be greater than 0, got 0s",
                "cfg.yaml:14: pools.outbound.outlier_detection.max_ejection_percent: must be 0-100, got 101",
            ])
        #expect(issues(in: Self.pool("outlier_detection: { max_ejection_percent: 0 }")).isEmpty)
        #expect(issues(in: Self.pool("outlier_detection: { max_ejection_percent: 100 }")).isEmpty)
    }

    @Test func circuitBreakerBounds() {
        let yaml = Self.pool(
            """
            circuit_breaker:
              failure_threshold: -1
              failure_ratio: 1.5
              minimum_requests: 0
              window: 0s
              timeout: 0s
              max_half_open: 0
              success_threshold: 0
            """)
        #expect(
            issues(in: yaml).map(\.description) == [
                "cfg.yaml:11: pools.outbound.circuit_breaker.failure_threshold: must be at least 0, got -1",
                "cfg.yaml:12: pools.outbound.circuit_breaker.failure_ratio: must be greater than 0 and at most 1, got 1.5",
                "cfg.yaml:13: pools.outbound.circuit_breaker.minimum_requests: must be at least 1, got 0",
                "cfg.yaml:14: pools.outbound.circuit_breaker.window: must be greater than 0, got 0s",
                "cfg.yaml:15: pools.outbound.circuit_breaker.timeout: must be greater than 0, got 0s",
                "cfg.yaml:16: pools.outbound.circuit_breaker.max_half_open: must be at least 1, got 0",
                "cfg.yaml:17: pools.outbound.circuit_breaker.success_threshold: must be at least 1, got 0",
            ])
        #expect(
            issues(in: Self.pool("circuit_breaker: { failure_ratio: 0 }")).map(\.description) == [
                "cfg.yaml:10: pools.outbound.circuit_breaker.failure_ratio: must be greater than 0 and at most 1, got 0.0"
            ])
    }

    @Test func circuitBreakerNeedsATrigger() {
        #expect(
            issues(in: Self.pool("circuit_breaker: { failure_threshold: 0 }")).map(\.description) == [
                "cfg.yaml:10: pools.outbound.circuit_breaker: never opens: set failure_threshold above 0 or a failure_ratio"
            ])
        #expect(issues(in: Self.pool("circuit_breaker: { failure_threshold: 0, failure_ratio: 1 }")).isEmpty)
    }

    @Test func pushBackStatusesAndDurations() {
        let yaml = Self.pool(
            """
            push_back:
              statuses: [429, 99, 600]
              duration: 0s
              max: 0s
            """)
        #expect(
            issues(in: yaml).map(\.description) == [
                "cfg.yaml:11: pools.outbound.push_back.statuses[1]: must be an HTTP status (100-599), got 99",
                "cfg.yaml:11: pools.outbound.push_back.statuses[2]: must be an HTTP status (100-599), got 600",
                "cfg.yaml:13: pools.outbound.push_back.max: must be greater than 0, got 0s",
            ])
        let wrongAndOutOfRange = issues(in: Self.pool("push_back: { statuses: [x, 700] }"))
        #expect(
            wrongAndOutOfRange.map(\.path) == [
                "pools.outbound.push_back.statuses[0]", "pools.outbound.push_back.statuses[1]",
            ])
        var config = SwitchyardConfig.embeddedDefault
        config.pools[0].resilience.pushBack.duration = .seconds(-1)
        #expect(
            throws: ConfigErrors(issues: [
                ConfigIssue(path: "pools.default.push_back.duration", message: "must not be negative")
            ])
        ) {
            try config.validate()
        }
    }

    @Test func rateLimitNumbers() {
        let yaml = Self.pool(
            """
            rate_limits:
              - key: client_ip
                rate: 0/s
                burst: 0
                window: 0s
                max_keys: 0
            """)
        #expect(
            issues(in: yaml).map(\.description) == [
                "cfg.yaml:12: pools.outbound.rate_limits[0].rate: must be greater than 0, got 0/s",
                "cfg.yaml:13: pools.outbound.rate_limits[0].burst: must be at least 1, got 0",
                "cfg.yaml:14: pools.outbound.rate_limits[0].window: must be greater than 0, got 0s",
                "cfg.yaml:15: pools.outbound.rate_limits[0].max_keys: must be at least 1, got 0",
            ])
    }

    @Test func listenerLimitKeysDependOnTheListener() {
        let limits = """
            pool: outbound
                rate_limits:
                  - { key: target_and_host, rate: 1/s }
                  - { key: route, rate: 1/s }
                  - { key: user, rate: 1/s }
                  - { key: listener, rate: 1/s }
                  - { key: client_ip, rate: 1/s }
                  - { key: destination_host, rate: 1/s }
            """
        #expect(
            issues(in: minimalYAML.replacing("pool: outbound", with: limits)).map(\.description) == [
                "cfg.yaml:7: listeners[0].rate_limits[0].key: target_and_host limits belong to pools, where they steer "
                    + "the pick of a target",
                "cfg.yaml:8: listeners[0].rate_limits[1].key: route limits need a reverse listener",
                "cfg.yaml:9: listeners[0].rate_limits[2].key: user limits need proxy auth (\"auth\") on this listener",
            ])
        let withAuth = limits.replacing(
            "pool: outbound", with: "pool: outbound\n    auth: { users: [ { username: a, password: b } ] }")
        #expect(
            issues(in: minimalYAML.replacing("pool: outbound", with: withAuth)).map(\.path) == [
                "listeners[0].rate_limits[0].key", "listeners[0].rate_limits[1].key",
            ])
        let reverse = Self.reversePool("").replacing(
            "    routes:", with: "    rate_limits: [ { key: route, rate: 1/s }, { key: user, rate: 1/s } ]\n    routes:"
        )
        #expect(issues(in: reverse).map(\.path) == ["listeners[0].rate_limits[1].key"])
    }

    @Test func poolLimitKeysDependOnTheListenersUsingThePool() {
        let all =
            "rate_limits: [ { key: route, rate: 1/s }, { key: user, rate: 1/s }, { key: target_and_host, rate: 1/s } ]"
        #expect(
            issues(in: Self.pool(all)).map(\.description) == [
                "cfg.yaml:10: pools.outbound.rate_limits[0].key: route limits need a pool used by a reverse listener"
            ])
        #expect(issues(in: Self.reversePool(all)).isEmpty)
        let unused = minimalYAML + "  spare:\n    targets: [ {} ]\n    " + all + "\n"
        #expect(issues(in: unused).isEmpty)
    }

    @Test func queueBoundsAndClasses() {
        let yaml = Self.pool(
            """
            queue:
              max: -1
              timeout: 0s
              classes:
                gold: 0
                "": 1
              default_class: silver
            """)
        #expect(
            issues(in: yaml).map(\.description) == [
                "cfg.yaml:11: pools.outbound.queue.max: must be at least 0, got -1",
                "cfg.yaml:12: pools.outbound.queue.timeout: must be greater than 0, got 0s",
                "cfg.yaml:14: pools.outbound.queue.classes.gold: must be from 1 to 10000, got 0",
                "cfg.yaml:13: pools.outbound.queue.classes: a class name must not be empty",
                "cfg.yaml:16: pools.outbound.queue.default_class: no class named \"silver\"; classes: gold",
            ])
        #expect(
            issues(in: Self.pool("queue: { classes: {} }")).map(\.description) == [
                "cfg.yaml:10: pools.outbound.queue.classes: must name at least one class"
            ])
        #expect(
            issues(in: Self.pool("queue: { classes: { gold: 1 }, default_class: glod }")).map(\.message) == [
                "no class named \"glod\"; did you mean \"gold\"?"
            ])
        #expect(issues(in: Self.pool("queue: { max: 0 }")).isEmpty)
    }

    @Test func duplicateQueueClassesBuiltInCodeAreErrors() {
        var config = SwitchyardConfig.embeddedDefault
        config.pools[0].resilience.queue = QueueSettings(
            classes: [QueueClass(name: "a", weight: 1), QueueClass(name: "a", weight: 2)], defaultClass: "a")
        #expect(
            throws: ConfigErrors(issues: [
                ConfigIssue(path: "pools.default.queue.classes.a", message: "duplicate class \"a\"")
            ])
        ) {
            try config.validate()
        }
    }

    @Test func routeQueueClassMustNameAClassOfItsPoolsQueue() {
        let queue = "queue: { classes: { gold: 3, bronze: 1 } }"
        #expect(issues(in: Self.reversePool(queue, route: "gold")).isEmpty)
        #expect(
            issues(in: Self.reversePool(queue, route: "silver")).map(\.description) == [
                "cfg.yaml:7: listeners[0].routes[0].queue_class: no class named \"silver\" in the queue of pool \"api\"; "
                    + "classes: gold, bronze"
            ])
        #expect(
            issues(in: Self.reversePool(queue, route: "glod")).map(\.message) == [
                "no class named \"glod\" in the queue of pool \"api\"; did you mean \"gold\"?"
            ])
        #expect(
            issues(in: Self.reversePool("", route: "gold")).map(\.description) == [
                "cfg.yaml:7: listeners[0].routes[0].queue_class: pool \"api\" has no queue to put this route's requests in"
            ])
        #expect(issues(in: Self.reversePool("queue: {}", route: "default")).isEmpty)
    }
}
