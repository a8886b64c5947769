import Testing

@testable import SwitchyardConfig

@Suite struct ResilienceDecodingTests {
    /// `minimalYAML` with `lines` added to its pool, from line 10 on.
    private static func pool(_ lines: String) -> String {
        minimalYAML + lines.split(separator: "\n").map { "    \($0)\n" }.joined()
    }

    private static func outbound(_ yaml: String) throws -> PoolSettings {
        try #require(try ConfigLoader.parse(yaml: yaml, file: nil).pool(named: "outbound"))
    }

    @Test func everyKeyIsReadIntoTheModel() throws {
        let config = try ConfigLoader.parse(yaml: resilienceYAML, file: nil)
        let api = try #require(config.pool(named: "api"))
        #expect(
            api.resilience
                == ResilienceSettings(
                    healthCheck: HealthCheckSettings(
                        type: .http, interval: .seconds(2), timeout: .seconds(1), path: "/health",
                        expectStatus: StatusRanges(200...299, 404...404), expectBody: "ok", host: "example.com",
                        failureThreshold: 4, successThreshold: 1),
                    initialState: .unhealthyUntilChecked,
                    outlierDetection: OutlierDetectionSettings(
                        consecutiveFailures: 3, countServerErrors: true, ejectionTime: .seconds(10),
                        maxEjectionTime: .seconds(120), maxEjectionPercent: 30, recover: .instant),
                    circuitBreaker: CircuitBreakerSettings(
                        failureThreshold: 0, failureRatio: 0.25, minimumRequests: 10, window: .seconds(30),
                        timeout: .seconds(15), maxHalfOpen: 2, successThreshold: 3),
                    pushBack: PushBackSettings(
                        enabled: false, statuses: [429], duration: .seconds(5), max: .seconds(60)),
                    rateLimits: [RateLimitSettings(key: .route, rate: 0.5, maxKeys: 10)],
                    queue: QueueSettings(
                        max: 50, timeout: .seconds(2), classHeader: "X-Priority",
                        classes: [QueueClass(name: "gold", weight: 3), QueueClass(name: "bronze", weight: 1)],
                        defaultClass: "bronze")))
        let outbound = try #require(config.pool(named: "outbound"))
        #expect(
            outbound.resilience.healthCheck == HealthCheckSettings(type: .http, target: "http://127.0.0.1:9000/health"))
        #expect(
            outbound.resilience.healthCheck?.parsedTarget
                == HealthCheckTarget(host: "127.0.0.1", port: 9000, path: "/health"))
        #expect(outbound.resilience.rateLimits == [RateLimitSettings(key: .targetAndHost, rate: 1.0 / 60)])
        #expect(outbound.resilience.queue == QueueSettings(max: 10))
        #expect(
            config.listeners[0].rateLimits == [
                RateLimitSettings(key: .clientIP, rate: 100),
                RateLimitSettings(
                    key: .route, algorithm: .slidingWindow, rate: 100, window: .seconds(10), maxKeys: 500),
            ])
        #expect(config.listeners[0].routes.map(\.queueClass) == ["gold", nil])
        #expect(
            config.listeners[1].rateLimits == [
                RateLimitSettings(key: .user, rate: 1, burst: 5),
                RateLimitSettings(key: .destinationHost, rate: 2.5),
            ])
    }

    @Test func omittedKeysTakeTheirDefaults() throws {
        let config = try ConfigLoader.parse(yaml: minimalYAML, file: nil)
        #expect(config.pools[0].resilience == .default)
        #expect(config.listeners[0].rateLimits.isEmpty)
        let resilience = ResilienceSettings.default
        #expect(resilience.healthCheck == nil && resilience.outlierDetection == nil && resilience.circuitBreaker == nil)
        #expect(resilience.initialState == .healthy && resilience.queue == nil && resilience.rateLimits.isEmpty)
        #expect(
            resilience.pushBack
                == PushBackSettings(enabled: true, statuses: [429, 503], duration: .zero, max: .seconds(300)))
    }

    @Test func emptySectionsTakeEachFieldsDefault() throws {
        let pool = try Self.outbound(
            Self.pool(
                """
                health_check: { target: "127.0.0.1:9000" }
                outlier_detection: {}
                circuit_breaker: {}
                push_back: {}
                queue: {}
                rate_limits: [ { key: client_ip, rate: 10 } ]
                """))
        let check = try #require(pool.resilience.healthCheck)
        #expect(check.type == .tcp && check.interval == .seconds(10) && check.timeout == .seconds(5))
        #expect(check.path == "/" && check.expectStatus == StatusRanges(200...399) && check.expectBody == nil)
        #expect(check.host == nil && check.failureThreshold == 3 && check.successThreshold == 2)
        #expect(check.parsedTarget == HealthCheckTarget(host: "127.0.0.1", port: 9000))
        #expect(
            pool.resilience.outlierDetection
                == OutlierDetectionSettings(
                    consecutiveFailures: 5, countServerErrors: false, ejectionTime: .seconds(30),
                    maxEjectionTime: .seconds(300), maxEjectionPercent: 50, recover: .afterEjectionTime))
        #expect(
            pool.resilience.circuitBreaker
                == CircuitBreakerSettings(
                    failureThreshold: 5, failureRatio: nil, minimumRequests: 20, window: .seconds(10),
                    timeout: .seconds(30), maxHalfOpen: 1, successThreshold: 2))
        #expect(pool.resilience.pushBack == .default)
        let queue = try #require(pool.resilience.queue)
        #expect(queue.max == 100 && queue.timeout == .seconds(5) && queue.classHeader == nil)
        #expect(queue.classes == [QueueClass(name: "default", weight: 1)] && queue.defaultClass == "default")
        let limit = try #require(pool.resilience.rateLimits.first)
        #expect(limit.algorithm == .tokenBucket && limit.burst == nil && limit.effectiveBurst == 10)
        #expect(limit.window == .seconds(1) && limit.maxKeys == 100_000)
    }

    @Test func queueClassesKeepTheirOrderAndTheFirstIsTheDefault() throws {
        let pool = try Self.outbound(Self.pool("queue: { classes: { silver: 2, gold: 5, bronze: 1 } }"))
        let queue = try #require(pool.resilience.queue)
        #expect(queue.classes.map(\.name) == ["silver", "gold", "bronze"])
        #expect(queue.classes.map(\.weight) == [2, 5, 1])
        #expect(queue.defaultClass == "silver")
    }

    @Test func nullSectionsMeanNone() throws {
        let pool = try Self.outbound(Self.pool("health_check: ~\nqueue:\ncircuit_breaker: null"))
        #expect(pool.resilience == .default)
    }

    @Test func unknownKeysAndNamesAreErrorsWithLines() {
        let yaml = Self.pool(
            """
            health_check: { type: grpc, intervall: 5s, expect_status: "2xx", target: "127.0.0.1:1" }
            initial: checked
            outlier_detection: { recover: later }
            circuit_breaker: { failure_ratio: half }
            push_back: { statuses: [429, "503", x] }
            rate_limits:
              - { key: ip, algorithm: leaky_bucket, rate: 5/d }
              - { algorithm: token_bucket }
              - not-a-mapping
            queue: { classes: [gold], prio: 1 }
            """)
        #expect(
            issues(in: yaml).map(\.description) == [
                "cfg.yaml:10: pools.outbound.health_check.intervall: unknown key \"intervall\"; did you mean \"interval\"?",
                "cfg.yaml:10: pools.outbound.health_check.type: \"grpc\" is not a health check type; expected one of tcp, http",
                "cfg.yaml:10: pools.outbound.health_check.expect_status: \"2xx\" is not a set of HTTP statuses; "
                    + "write e.g. \"200-399\" or \"200,204,300-302\" (100-599)",
                "cfg.yaml:11: pools.outbound.initial: \"checked\" is not a choice for initial; expected one of healthy, "
                    + "unhealthy-until-checked",
                "cfg.yaml:12: pools.outbound.outlier_detection.recover: \"later\" is not a recovery mode; expected one of "
                    + "instant, after-ejection-time",
                "cfg.yaml:13: pools.outbound.circuit_breaker.failure_ratio: expected a number, got \"half\"",
                "cfg.yaml:14: pools.outbound.push_back.statuses[1]: expected a whole number, got the quoted string \"503\"",
                "cfg.yaml:14: pools.outbound.push_back.statuses[2]: expected a whole number, got \"x\"",
                "cfg.yaml:16: pools.outbound.rate_limits[0].key: \"ip\" is not a rate limit key; expected one of client_ip, "
                    + "user, listener, route, destination_host, target_and_host",
                "cfg.yaml:16: pools.outbound.rate_limits[0].algorithm: \"leaky_bucket\" is not a rate limit algorithm; "
                    + "expected one of token_bucket, sliding_window",
                "cfg.yaml:16: pools.outbound.rate_limits[0].rate: \"5/d\" is not a rate; write requests per second, "
                    + "minute or hour as N/s, N/m or N/h (e.g. \"100/s\", \"6000/m\", \"0.5/s\"), or a bare number for per second",
                "cfg.yaml:17: pools.outbound.rate_limits[1].key: \"key\" is required",
                "cfg.yaml:17: pools.outbound.rate_limits[1].rate: \"rate\" is required",
                "cfg.yaml:18: pools.outbound.rate_limits[2]: expected a mapping, got \"not-a-mapping\"",
                "cfg.yaml:19: pools.outbound.queue.prio: unknown key \"prio\"; valid keys: max, timeout, class_header, "
                    + "classes, default_class",
                "cfg.yaml:19: pools.outbound.queue.classes: expected a mapping, got a list",
            ])
    }

    @Test func newKeysAreKnownAtEachLevel() {
        let pool = issues(in: Self.pool("circuit_breakers: {}"))
        #expect(pool.map(\.message) == ["unknown key \"circuit_breakers\"; did you mean \"circuit_breaker\"?"])
        let listener = issues(in: minimalYAML.replacing("pool: outbound", with: "pool: outbound\n    rate_limit: []"))
        #expect(listener.map(\.message) == ["unknown key \"rate_limit\"; did you mean \"rate_limits\"?"])
    }
}

struct AdminSettingsTests {
    @Test func keysAreReadValidatedAndRedacted() throws {
        func document(adminKey: String) -> String {
            """
            admin: { listen: "127.0.0.1:0", api_keys: ["reader-key-0123456789"], admin_keys: ["\(adminKey)"], persist: true }
            listeners: [ { name: p, mode: forward, listen: "127.0.0.1:0", pool: out } ]
            pools: { out: { targets: [ {} ] } }
            """
        }
        let yaml = document(adminKey: "short")
        #expect(throws: ConfigErrors.self) { try ConfigLoader.parse(yaml: yaml, file: nil) }
        do {
            _ = try ConfigLoader.parse(yaml: yaml, file: nil)
        } catch {
            #expect("\(error)".contains("admin.admin_keys[0]"))
            #expect(!"\(error)".contains("short"), "a key never appears in an error")
        }
        let valid = document(adminKey: "admin-key-0123456789")
        let config = try ConfigLoader.parse(yaml: valid, file: nil)
        #expect(config.admin.apiKeys == ["reader-key-0123456789"])
        #expect(config.admin.adminKeys == ["admin-key-0123456789"])
        #expect(config.admin.persist)
        let shown = ConfigRenderer.render(config, redactingSecrets: true)
        #expect(!shown.contains("reader-key-0123456789") && shown.contains("<redacted>"))
        #expect(try ConfigLoader.parse(yaml: ConfigRenderer.render(config, redactingSecrets: false), file: nil) == config)
    }
}
