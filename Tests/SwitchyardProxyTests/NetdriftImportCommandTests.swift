import Foundation
import Testing

/// `switchyard import netdrift` as a user runs it: the sample Netdrift config in `examples/netdrift/` becomes YAML
/// that `switchyard check` accepts, and what does not carry over is named on standard error.
struct NetdriftImportCommandTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/netdrift/us.json").path

    @Test func theOutputLoadsWithCheckAndUnknownFieldsAreNamed() throws {
        let imported = try Subprocess.run(SwitchyardProcess.binaryPath, ["import", "netdrift", Self.sample])
        #expect(imported.status == 0, "\(imported.stderr)")
        for field in ["log_level", "server.region", "upstream_proxies[1].country"] {
            #expect(imported.stderr.contains("\(field): unknown field, not carried over"), "\(imported.stderr)")
        }
        #expect(imported.stderr.contains("server.stats_endpoint"))
        let path = try temporaryFile(imported.stdout)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let checked = try Subprocess.run(SwitchyardProcess.binaryPath, ["check", "--config", path])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.contains("# config OK: 1 listener(s), 1 pool(s)"))
        #expect(checked.stdout.contains("listen: \"127.0.0.1:3130\""))
        #expect(checked.stdout.contains("upstream: \"http://user:<redacted>@127.0.0.1:8080\""))
    }

    @Test(arguments: [
        (
            #"{ "server": { "listen_address": "nowhere" }, "upstream_proxies": [ { "url": "http://127.0.0.1:3025" } ] }"#,
            #"server.listen_address: "nowhere" has no port"#
        ),
        (
            #"{ "server": { "listen_address": "127.0.0.1:3130" }, "upstream_proxies": [] }"#,
            "in the converted config: must list at least one target"
        ),
    ])
    func aFileThatCannotBeConvertedExitsWithItsProblems(json: String, problem: String) throws {
        let path = try temporaryFile(json, suffix: ".json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let result = try Subprocess.run(SwitchyardProcess.binaryPath, ["import", "netdrift", path])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(problem), "\(result.stderr)")
    }
}
