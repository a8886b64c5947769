import Logging
import Testing

/// Runs `body` with a proxy started from `yaml` (logging to `logger`), its admin server's base URL and an origin, and
/// cleans all up.
func withAdminServer(
    yaml: String, logger: Logger = ProxyHarness.silentLogger,
    _ body: (ProxyHarness, String, TestOrigin, TestResources) async throws -> Void
) async throws {
    try await withAdminServer(yaml: { _ in yaml }, logger: logger, body)
}

/// `withAdminServer(yaml:logger:_:)` with a config that names the origin: `yaml` gets the origin's port.
func withAdminServer(
    yaml: (Int) -> String, logger: Logger = ProxyHarness.silentLogger,
    _ body: (ProxyHarness, String, TestOrigin, TestResources) async throws -> Void
) async throws {
    try await withResources { resources in
        let origin = resources.track(try await TestOrigin.start(group: resources.group))
        let proxy = resources.track(try await ProxyHarness(yaml: yaml(origin.port), logger: logger))
        let server = proxy.runtime.makeAdminServer(host: "127.0.0.1", port: 0)
        let task = Task { try await server.run() }
        defer { task.cancel() }
        // Generous: on a loaded two-core machine the other suites' blocking clients can delay the server's start.
        let deadline = ContinuousClock.now + .seconds(60)
        while server.boundPort == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let port = try #require(server.boundPort)
        try await body(proxy, "http://127.0.0.1:\(port)", origin, resources)
    }
}

/// `status body` of one admin request made with curl.
func adminCall(_ method: String, _ url: String, key: String? = nil, body: String? = nil) async throws -> (Int, String) {
    var arguments = ["-s", "-X", method, "-w", "\n%{http_code}"]
    if let key { arguments += ["-H", "X-API-Key: \(key)"] }
    if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
    let result = try await Subprocess.curlOffPool(arguments + [url])
    let output = result.stdout
    guard let status = output.split(separator: "\n").last.flatMap({ Int($0) }) else { return (0, result.stderr) }
    return (status, String(output.dropLast(String(status).count + 1)))
}
