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
