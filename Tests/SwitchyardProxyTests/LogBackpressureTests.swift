import Foundation
import NIOPosix
import Testing

/// A process whose standard output nobody reads keeps serving: log lines are dropped and counted instead.
@Suite(.timeLimit(.minutes(3)))
struct LogBackpressureTests {
    @Test func trafficFlowsWhileNobodyReadsTheLogAndDropsAreCounted() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let origin = try await TestOrigin.start(group: group)
        defer { Task { await origin.stop(); try? await group.shutdownGracefully() } }
        let path = try reverseConfigFile(
            originPort: origin.port, settings: "log: { level: info, format: json }\nadmin: { listen: \"127.0.0.1:0\" }")
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Output is read until the admin endpoint is up (to learn the ports), then never again.
        let proxy = try SwitchyardProcess(arguments: ["--config", path], stopReadingAfter: "admin endpoint ready")
        var exited = false
        defer {
            // A process stuck writing its log would ignore SIGTERM (the terminate below) and hang the test.
            if !exited { proxy.signal(SIGKILL) }
            proxy.terminate()
        }
        let port = try await proxy.listeningPort()
        let adminLine = try await proxy.waitForLine(containing: "admin endpoint ready")
        let adminPort = try #require(adminLine.firstMatch(of: /127\.0\.0\.1:(\d+)/).flatMap { Int($0.1) })

        // The client's request id is logged in each access line: 3,000 lines of about 3 KB are far more than the
        // pipe (64 KiB) and the log queue (4 MiB) hold.
        let requestID = String(repeating: "r", count: 3_000)
        let clients = 10
        let perClient = 300
        let start = ContinuousClock.now
        let deadline = start + .seconds(60)
        let statuses = try await HTTPLoad.onThreads(clients) { index in
            var statuses: [Int] = []
            var client: RawClient?
            for number in 0..<perClient {
                guard ContinuousClock.now < deadline else { break }
                do {
                    let connection = try client ?? RawClient(port: port)
                    client = connection
                    let answer = try connection.exchange(
                        "GET /\(index)/\(number) HTTP/1.1\r\nHost: app.test\r\nX-Request-Id: \(requestID)\r\n\r\n")
                    statuses.append(answer.status)
                    if answer.closes { client = nil }
                } catch {
                    statuses.append(0)
                    client = nil
                }
            }
            return statuses
        }.flatMap { $0 }
        let elapsed = ContinuousClock.now - start

        #expect(statuses.count == clients * perClient, "only \(statuses.count) requests finished in \(elapsed)")
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses.reduce(into: [:]) { $0[$1, default: 0] += 1 })")
        #expect(elapsed < .seconds(60))

        let metrics = try Subprocess.curl(["--max-time", "10", "http://127.0.0.1:\(adminPort)/metrics"]).stdout
        let dropped = metrics.split(separator: "\n").first { $0.hasPrefix("switchyard_log_lines_dropped_total ") }
            .flatMap { Double($0.split(separator: " ").last!) }
        #expect((dropped ?? 0) > 0, "switchyard_log_lines_dropped_total: \(dropped.map { "\($0)" } ?? "missing")")

        // Exiting does not wait for a reader that never comes: the final flush gives up after its time limit.
        proxy.signal(SIGTERM)
        #expect(try await proxy.waitForExit(timeout: .seconds(20)) == 0)
        exited = true
    }
}
