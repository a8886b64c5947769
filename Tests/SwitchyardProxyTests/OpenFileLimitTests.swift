import Foundation
import SwitchyardConfig
@testable import SwitchyardRuntime
import Testing

/// The open files limit: raised at start to the hard limit (or set to `max_open_files`), a warning when the
/// listeners' slots could need more, a clear failure when the limit asked for is above what the process may set,
/// and `process_open_fds` / `process_max_fds` in the metrics.
@Suite(.timeLimit(.minutes(2)))
struct OpenFileLimitTests {
    @Test func theSoftLimitGoesToTheHardLimitOrToWhatIsAsked() {
        let start = OpenFileLimit(soft: 1024, hard: 524_288)
        #expect(start.raised(to: nil) == OpenFileLimit(soft: 524_288, hard: 524_288))
        #expect(start.raised(to: 4096) == OpenFileLimit(soft: 4096, hard: 524_288))
        #expect(start.raised(to: 600_000) == OpenFileLimit(soft: 600_000, hard: 600_000), "needs privilege")
        #expect(OpenFileLimit(soft: 1024, hard: .max).raised(to: nil).soft == OpenFileLimit.ceiling, "unlimited")
        #expect(OpenFileLimit(soft: 9000, hard: 9000).raised(to: nil) == OpenFileLimit(soft: 9000, hard: 9000))
    }

    @Test func eachConnectionSlotNeedsTwoDescriptors() throws {
        let config = try ConfigLoader.parse(
            yaml: """
                listeners:
                  - { name: a, mode: forward, listen: "127.0.0.1:0", pool: out, max_connections: 100 }
                  - { name: b, mode: forward, listen: "127.0.0.1:0", pool: out, max_connections: 50 }
                pools: { out: { targets: [ {} ] } }
                """, file: nil)
        #expect(OpenFileLimit.needed(by: config.listeners) == 2 * 150 + OpenFileLimit.reserve)
    }

    private func config(_ settings: String) throws -> String {
        try temporaryFile(
            """
            log: { level: info, format: json }
            \(settings)
            listeners: [ { name: egress, mode: forward, listen: "127.0.0.1:0", pool: out, max_connections: 1000 } ]
            pools: { out: { targets: [ {} ] } }
            """)
    }

    /// Started with 512 of 4,096 (what a login shell or a container often gives), the process takes all 4,096
    /// and says so in its metrics.
    @Test func atStartTheLimitIsRaisedToTheHardLimit() async throws {
        let path = try config("")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let proxy = try SwitchyardProcess(
            arguments: ["--config", path], launcher: ["/usr/bin/prlimit", "--nofile=512:4096"])
        defer { proxy.terminate() }
        let raised = try await proxy.waitForLine(containing: "open files limit set")
        #expect(raised.contains("\"from\":\"512\"") && raised.contains("\"to\":\"4096\""), "\(raised)")
        #expect(try softLimit(of: proxy.pid) == 4096)
        let admin = try await proxy.waitForLine(containing: "admin endpoint ready")
        let adminPort = try #require(admin.firstMatch(of: /127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) })
        let metrics = try Subprocess.curl(["--max-time", "10", "http://127.0.0.1:\(adminPort)/metrics"]).stdout
        #expect(value(of: "process_max_fds", in: metrics) == 4096, "\(metrics)")
        let open = try #require(value(of: "process_open_fds", in: metrics))
        #expect(open > 3 && open < 200, "\(open) open descriptors")
        #expect(try #require(value(of: "process_resident_memory_bytes", in: metrics)) > 1_000_000)
        #expect(try #require(value(of: "process_start_time_seconds", in: metrics)) > 1_700_000_000)
        #expect(!proxy.output.contains { $0.contains("more file descriptors") }, "2,064 fit in 4,096")
    }

    /// `max_open_files` below what 1,000 connection slots need is set as asked, with a warning saying how many
    /// the slots may need.
    @Test func aLimitBelowTheSlotsIsSetWithAWarning() async throws {
        let path = try config("max_open_files: 300")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let proxy = try SwitchyardProcess(
            arguments: ["--config", path], launcher: ["/usr/bin/prlimit", "--nofile=512:4096"])
        defer { proxy.terminate() }
        let warning = try await proxy.waitForLine(containing: "more file descriptors")
        #expect(warning.contains("\"needed\":\"2064\"") && warning.contains("\"limit\":\"300\""), "\(warning)")
        _ = try await proxy.waitForLine(containing: "switchyard started")
        #expect(try softLimit(of: proxy.pid) == 300)
    }

    /// Above the hard limit, without the privilege to raise it (`setpriv` drops `CAP_SYS_RESOURCE`, which root
    /// has), startup fails naming the field, before anything is served.
    @Test func aLimitAboveTheHardLimitFailsStartupNamingTheField() async throws {
        let path = try config("max_open_files: 8192")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let proxy = try SwitchyardProcess(
            arguments: ["--config", path],
            launcher: [
                "/usr/bin/prlimit", "--nofile=512:4096", "/usr/bin/setpriv", "--inh-caps=-sys_resource",
                "--bounding-set=-sys_resource",
            ])
        defer { proxy.terminate() }
        #expect(try await proxy.waitForExit() != 0)
        let failure = proxy.output.first { $0.contains("startup failed") } ?? "\(proxy.output)"
        #expect(failure.contains("max_open_files: 8192 is above the hard limit of 4096"), "\(failure)")
        #expect(!proxy.output.contains { $0.contains("switchyard started") })
    }

    private func softLimit(of pid: Int32) throws -> Int? {
        let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
        let line = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") }
        return line.flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[3]) }
    }

    private func value(of metric: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix("\(metric) ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }
}
