import Foundation
import Testing

/// The admin API against its own OpenAPI document: schemathesis (PyPI) reads the document the real binary serves,
/// generates requests from it (valid and invalid bodies, parameters, methods, missing and wrong keys, chains of
/// operations), and checks every answer against it: no 5xx, only documented statuses, content types, headers and
/// body schemas, invalid data refused, auth enforced. Once per key level, each on a fresh process.
///
/// What the generated requests can reach stays on loopback: every address in the config is a loopback one, no pool
/// has health checks and nothing is sent through the proxy listeners, so a target added by the fuzzer (whatever its
/// address) is never dialled. `PUT /api/v1/config` is left out: a generated config that happens to be valid is
/// applied live, listeners included, so it could bind a listener on any address or health-check a pool of any
/// address. Its answers are covered by AdminEndToEndTests and AdminAPITests, and the `Config` schema is still held to
/// every `GET /api/v1/config` answer.
///
/// schemathesis comes from `scripts/test.sh`, which installs it into `.build-venv/`; `SCHEMATHESIS` names another.
@Suite(.timeLimit(.minutes(5)))
struct OpenAPIConformanceTests {
    static let apiKey = "api-key-0123456789abcdef"
    static let adminKey = "admin-key-0123456789abcdef"

    /// The two key levels, each sent with one of the two ways the document allows.
    enum KeyLevel: String, CaseIterable, Sendable {
        case api
        case admin

        var header: String {
            switch self {
            case .api: "Authorization: Bearer \(OpenAPIConformanceTests.apiKey)"
            case .admin: "X-API-Key: \(OpenAPIConformanceTests.adminKey)"
            }
        }
    }

    @Test(arguments: KeyLevel.allCases)
    func adminAPIConformsToItsDocument(level: KeyLevel) async throws {
        let schemathesis = try #require(
            Self.schemathesisPath, "schemathesis not found: run scripts/test.sh, or set SCHEMATHESIS to its path")
        let config = try temporaryFile(
            """
            log: { level: info, format: json }
            admin: { listen: "127.0.0.1:0", api_keys: ["\(Self.apiKey)"], admin_keys: ["\(Self.adminKey)"] }
            listeners:
              - { name: web, mode: reverse, listen: "127.0.0.1:0", pool: backends }
              - { name: egress, mode: forward, listen: "127.0.0.1:0", pool: egress }
            pools:
              backends: { policy: auto, targets: [ { url: "http://127.0.0.1:9" }, { url: "http://127.0.0.1:10" } ] }
              egress: { sticky: { key: client_ip }, targets: [ { source_ip: 127.0.0.2 }, { source_ip: 127.0.0.3 } ] }
            """)
        let policy = try temporaryFile(Self.expectedStatuses, suffix: ".toml")
        defer {
            for path in [config, policy] { try? FileManager.default.removeItem(atPath: path) }
        }
        let proxy = try SwitchyardProcess(arguments: ["--config", config])
        defer { proxy.terminate() }
        let adminLine = try await proxy.waitForLine(containing: "admin endpoint ready")
        let port = try #require(adminLine.firstMatch(of: /127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) })

        // A successful PUT /api/v1/security/keys replaces the key this run authenticates with: every operation after
        // it would only see 401. So it runs on its own, after the others.
        let runs: [[String]] = [
            ["--exclude-operation-id", "putKeys", "--exclude-operation-id", "putConfig"],
            ["--include-operation-id", "putKeys"],
        ]
        for filter in runs {
            let result = try await Subprocess.runOffPool(
                "/usr/bin/timeout",
                ["--kill-after=10", "150", schemathesis, "--config-file", policy, "--no-color", "run",
                 "http://127.0.0.1:\(port)/api/v1/openapi.yaml", "--url", "http://127.0.0.1:\(port)",
                 // The key goes in the header above; generated credentials beside it would only be refused (a
                 // wrong credential next to a right one is a 401), leaving operations untested.
                 "--header", level.header, "--generation-with-security-parameters", "false",
                 "--checks", "all", "--max-examples", "10", "--seed", "20261204",
                 "--workers", "1", "--request-timeout", "10", "--generation-database", "none"] + filter)
            let summary = result.stdout.split(separator: "\n").suffix(60).joined(separator: "\n")
            #expect(result.status != 124, "schemathesis (\(level) key, \(filter)) ran over 150 s:\n\(summary)")
            #expect(
                result.status == 0,
                "schemathesis (\(level) key, \(filter)) exited \(result.status):\n\(summary)\n\(result.stderr)")
            #expect(result.stdout.contains("passed"), "no test ran:\n\(summary)")
        }
        #expect(proxy.isRunning, "the process died during the run:\n\(proxy.output.suffix(20).joined(separator: "\n"))")
    }

    /// The schemathesis configuration: answers that are right although the document alone cannot tell.
    /// `positive_data_acceptance` expects a 2xx for every body the schema allows, but a target can also be refused
    /// for rules that need the server's state (a reverse pool takes `url` targets only; a target id must be new): 422
    /// and 409, as the document says; likewise a rollback to a version that is not kept is a 404, and a rollout
    /// on a pool that has one already (or a command its status refuses) a 409. `not_a_server_error` refuses every 5xx, but `/ready` answers its documented 503
    /// once the fuzzer has disabled every target of a pool.
    static let expectedStatuses = """
        # No crash cache (.schemathesis/ in the working directory, the package): each run starts clean.
        [cache]
        enabled = false

        [[operations]]
        include-operation-id = "addTarget"
        checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

        [[operations]]
        include-operation-id = "rollbackConfig"
        checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "422"]

        [[operations]]
        include-operation-id = "startRollout"
        checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]

        [[operations]]
        include-operation-id = "pauseRollout"
        checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409"]

        [[operations]]
        include-operation-id = "resumeRollout"
        checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409"]

        [[operations]]
        include-operation-id = "rollbackRollout"
        checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409"]

        [[operations]]
        include-operation-id = "getReady"
        checks.not_a_server_error.expected-statuses = ["2xx", "3xx", "4xx", "503"]
        """

    /// `SCHEMATHESIS`, else `.build-venv/bin/schemathesis` in the package (where `scripts/test.sh` installs it).
    static var schemathesisPath: String? {
        if let path = ProcessInfo.processInfo.environment["SCHEMATHESIS"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let path = root.appendingPathComponent(".build-venv/bin/schemathesis").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
}
