import SwitchyardConfig

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The example from the config documentation, every section filled in.
let exampleYAML = """
    log: { level: info, format: json }
    admin: { listen: "127.0.0.1:9090" }
    listeners:
      - name: egress
        mode: forward
        listen: "127.0.0.1:3128"
        pool: outbound
        auth: { users: [ { username: alice, password: "s3cret" } ] }
        max_connections: 1000
        max_header_bytes: 32768
        add_via: false
        add_x_forwarded_for: false
        timeouts: { connect: 30s, idle: 60s, header_read: 10s, shutdown: 30s }
    pools:
      outbound:
        policy: lru-per-host
        policy_options: { history_window: 5m, history_size: 100, history_max_total_entries: 100000 }
        max_connections_per_target: 100
        keepalive: { max_idle_per_destination: 8, idle_timeout: 90s }
        targets:
          - source_ip: "192.168.1.100"
          - source_ip: "192.168.1.101"
            weight: 2
          - {}

    """

/// A minimal valid config: one listener on a pool with one target.
let minimalYAML = """
    listeners:
      - name: egress
        mode: forward
        listen: "127.0.0.1:3128"
        pool: outbound
    pools:
      outbound:
        targets:
          - {}

    """

/// The issues loading `yaml` (as `cfg.yaml`) reports; empty when it loads.
func issues(in yaml: String) -> [ConfigIssue] {
    do {
        _ = try ConfigLoader.parse(yaml: yaml, file: "cfg.yaml")
        return []
    } catch {
        return error.issues
    }
}

/// The issues `resolve` reports; empty when it succeeds.
func resolveIssues(file: String?, flags: FlatOptions = FlatOptions(), environment: [String: String] = [:])
    -> [ConfigIssue]
{
    do {
        _ = try ConfigLoader.resolve(file: file, flags: flags, environment: environment)
        return []
    } catch {
        return error.issues
    }
}

/// A file under /tmp holding `contents`, removed when `body` returns.
func withTemporaryFile<Result>(_ contents: String, _ body: (String) throws -> Result) rethrows -> Result {
    let path = "/tmp/switchyard-config-test-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).yaml"
    let handle = fopen(path, "wb")!
    fputs(contents, handle)
    fclose(handle)
    defer { unlink(path) }
    return try body(path)
}

/// A config that sets every resilience key: a reverse listener with limits and queue classes over a backend pool,
/// and a forward listener over an egress pool whose health checks name a target.
let resilienceYAML = """
    listeners:
      - name: web
        mode: reverse
        listen: "127.0.0.1:8080"
        rate_limits:
          - { key: client_ip, rate: 100/s }
          - { key: route, algorithm: sliding_window, rate: 6000/m, window: 10s, max_keys: 500 }
        routes:
          - match: { path_prefix: "/v1/" }
            pool: api
            queue_class: gold
          - pool: api
      - name: egress
        mode: forward
        listen: "127.0.0.1:3128"
        pool: outbound
        auth: { users: [ { username: alice, password: "s3cret" } ] }
        rate_limits:
          - { key: user, rate: 3600/h, burst: 5 }
          - { key: destination_host, rate: 2.5 }
    pools:
      api:
        health_check:
          type: http
          interval: 2s
          timeout: 1s
          path: /health
          expect_status: "200-299,404"
          expect_body: ok
          host: example.com
          failure_threshold: 4
          success_threshold: 1
        initial: unhealthy-until-checked
        outlier_detection:
          consecutive_failures: 3
          count_server_errors: true
          ejection_time: 10s
          max_ejection_time: 2m
          max_ejection_percent: 30
          recover: instant
        circuit_breaker:
          failure_threshold: 0
          failure_ratio: 0.25
          minimum_requests: 10
          window: 30s
          timeout: 15s
          max_half_open: 2
          success_threshold: 3
        push_back: { enabled: false, statuses: [429], duration: 5s, max: 1m }
        rate_limits:
          - { key: route, rate: 0.5/s, max_keys: 10 }
        queue:
          max: 50
          timeout: 2s
          class_header: X-Priority
          classes: { gold: 3, bronze: 1 }
          default_class: bronze
        targets:
          - url: "http://127.0.0.1:9001"
      outbound:
        health_check: { type: http, target: "http://127.0.0.1:9000/health" }
        rate_limits:
          - { key: target_and_host, algorithm: token_bucket, rate: 1/m }
        queue: { max: 10 }
        targets:
          - source_ip: "127.0.0.2"
          - {}

    """
