import Foundation
import NIOPosix
import Testing

/// Per-upstream statistics of an egress pool, through real upstreams (Squid over HTTP, microsocks over SOCKS5 with a
/// login) and one that refuses: each target's `/stats` windows (requests, successes, bytes each way, time to the
/// tunnel's establishment, concurrency) and its Prometheus series.
@Suite(.timeLimit(.minutes(3)))
struct UpstreamStatisticsTests {
    @Test func eachUpstreamCountsItsTunnelsBytesAndSetupTime() async throws {
        let squid = try await PeerProxy.squid(outgoing: "127.0.0.2")
        defer { squid.stop() }
        let microsocks = try await PeerProxy.microsocks(outgoing: "127.0.0.4", user: "su", password: "sp")
        defer { microsocks.stop() }
        let refusing = try await FakeUpstream.refusingPort(group: MultiThreadedEventLoopGroup.singleton)
        let ids = [
            "http://127.0.0.1:\(squid.port)", "socks5://su@127.0.0.1:\(microsocks.port)",
            "http://127.0.0.1:\(refusing)",
        ]
        let yaml = ProxyHarness.forwardYAML(
            targets: [
                "{ upstream: \"http://127.0.0.1:\(squid.port)\" }",
                "{ upstream: \"socks5://su:sp@127.0.0.1:\(microsocks.port)\" }",
                "{ upstream: \"http://127.0.0.1:\(refusing)\" }",
            ], policy: "round-robin", poolExtra: "    retries: { attempts: 2, budget_percent: 100 }\n")
        try await withProxy(yaml: yaml) { proxy, origin in
            let tunnels = try await UpstreamProxyTests.tunnels(12, proxyPort: proxy.port, originPort: origin.port)
            #expect(tunnels.map(\.status) == Array(repeating: 200, count: 12))
            let carried = origin.requests.reduce(into: [:]) { $0[$1.sourceIP, default: 0] += 1 }
            let counts = [carried["127.0.0.2", default: 0], carried["127.0.0.4", default: 0]]
            #expect(counts[0] + counts[1] == 12 && counts.allSatisfy { $0 >= 4 }, "\(carried)")

            func targets() throws -> [String: [String: Any]] {
                let stats = try JSONSerialization.jsonObject(with: Data(proxy.runtime.statsJSON().utf8)) as! [String: Any]
                let pool = (stats["pools"] as! [[String: Any]])[0]
                return Dictionary(
                    uniqueKeysWithValues: (pool["targets"] as! [[String: Any]]).map { ($0["id"] as! String, $0) })
            }
            func total(_ target: [String: Any]?, _ key: String = "windows") -> [String: Any] {
                ((target?[key] as? [String: Any])?["total"] as? [String: Any]) ?? [:]
            }
            #expect(try await eventually { (try? targets()).map { total($0[ids[0]])["requests"] as? Int } == counts[0] })
            let seen = try targets()
            #expect(Set(seen.keys) == Set(ids), "\(seen.keys)")
            for (index, id) in ids.prefix(2).enumerated() {
                let windows = total(seen[id])
                #expect(windows["requests"] as? Int == counts[index], "\(id): \(windows)")
                #expect(windows["successes"] as? Int == counts[index] && windows["failures"] as? Int == 0)
                #expect((windows["bytes_in"] as? Int ?? 0) > 0 && (windows["bytes_out"] as? Int ?? 0) > 0, "\(windows)")
                #expect((windows["max_concurrency"] as? Int ?? 0) >= 1)
                #expect(seen[id]?["in_flight"] as? Int == 0)
                let setup = total(seen[id], "setup")
                #expect(setup["requests"] as? Int == counts[index], "\(id): \(setup)")
                let latency = setup["latency_seconds"] as? [String: Double] ?? [:]
                let (average, p99) = (latency["avg"] ?? 0, latency["p99"] ?? 0)
                #expect(average > 0 && average < 5 && p99 >= average * 0.9, "\(setup)")
            }
            #expect(total(seen[ids[2]])["requests"] as? Int == 0, "the refusing upstream served nothing")

            let metrics = proxy.runtime.metricsText()
            func series(_ name: String, _ id: String, _ extra: String = "pool=") -> Int? {
                metrics.split(separator: "\n").first {
                    $0.hasPrefix(name + "{") && $0.contains("target=\"\(id)\"") && $0.contains(extra)
                }.flatMap { $0.split(separator: " ").last.flatMap { Double($0) }.map { Int($0) } }
            }
            for (index, id) in ids.prefix(2).enumerated() {
                #expect(series("switchyard_target_requests_total", id, "result=\"success\"") == counts[index], "\(metrics)")
                #expect((series("switchyard_target_bytes_total", id, "direction=\"out\"") ?? 0) > 0)
                #expect(series("switchyard_target_setup_duration_seconds_count", id) == counts[index])
                #expect((series("switchyard_target_max_concurrency", id) ?? 0) >= 1)
            }
            #expect((series("switchyard_target_requests_total", ids[2], "result=\"failure\"") ?? 0) >= 1, "\(metrics)")
        }
    }
}
