import Foundation
import Testing

/// Rollouts over a running Switchyard in front of real python3 backends, driven through the admin API while curl
/// sends traffic: a new target that answers 500 fails its step and the pool goes back by itself; a healthy one
/// completes, and the pool ends on the new set.
@Suite(.timeLimit(.minutes(2)))
struct RolloutEndToEndTests {
    private static func yaml(backend: Int) -> String {
        """
        log: { level: error, format: text }
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - { name: web, mode: reverse, listen: "127.0.0.1:0", pool: web }
        pools:
          web:
            policy: round-robin
            targets: [ { url: "http://127.0.0.1:\(backend)" } ]

        """
    }

    /// Sends traffic through `proxy` until rollout 1 is no longer running (at most 30 s); returns the rollout.
    private func runRollout(_ body: String, proxy: String, admin: String) async throws -> [String: Any] {
        let started = try await adminCall("POST", "\(admin)/api/v1/rollouts", body: body)
        try #require(started.0 == 201, "\(started)")
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            _ = try await HTTPLoad.onThread { try Subprocess.statuses(["\(proxy)/?[1-8]"]) }
            let (_, shown) = try await adminCall("GET", "\(admin)/api/v1/rollouts/1")
            let rollout = try #require(try JSONSerialization.jsonObject(with: Data(shown.utf8)) as? [String: Any])
            if rollout["status"] as? String != "running" { return rollout }
        }
        Issue.record("the rollout did not end within 30 s")
        return [:]
    }

    private func targetIDs(_ admin: String) async throws -> [String] {
        let (_, body) = try await adminCall("GET", "\(admin)/api/v1/pools/web/targets")
        let list = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]])
        return list.compactMap { $0["id"] as? String }
    }

    /// Runs `body` with a Switchyard whose pool `web` has one python3 `http.server` backend (`old`), a second
    /// backend started by `start` (`new`), and the proxy's and admin server's URLs; stops both backends after.
    private func withBackends(
        new start: () async throws -> PeerProxy,
        _ body: (_ proxy: String, _ admin: String, _ old: PeerProxy, _ new: PeerProxy) async throws -> Void
    ) async throws {
        let old = try await PeerProxy.httpServer()
        defer { old.stop() }
        let new = try await start()
        defer { new.stop() }
        try await withAdminServer(yaml: Self.yaml(backend: old.port)) { proxy, admin, _, _ in
            try await body(proxy.proxyURL, admin, old, new)
        }
    }

    @Test func aNewTargetAnswering500RollsBackByItself() async throws {
        try await withBackends(new: PeerProxy.failingHTTPServer) { proxy, admin, old, broken in
            let body = """
                {"pool": "web", "targets": [{"url": "http://127.0.0.1:\(broken.port)"}], "batch_size": 1,
                 "interval_seconds": 1, "min_requests": 3, "max_error_rate": 0.1}
                """
            let rollout = try await runRollout(body, proxy: proxy, admin: admin)
            #expect(rollout["status"] as? String == "rolled_back")
            let steps = try #require(rollout["steps"] as? [[String: Any]])
            #expect(steps.map { $0["state"] as? String } == ["failed", "skipped"])
            #expect((rollout["reason"] as? String ?? "").hasPrefix("step 1 failed"), "\(rollout)")
            #expect(broken.output.contains("GET /"), "the broken backend took traffic during the step")
            #expect(try await targetIDs(admin) == ["http://127.0.0.1:\(old.port)"])
            let statuses = try await HTTPLoad.onThread { try Subprocess.statuses(["\(proxy)/?[1-6]"]) }
            let stats = try await adminCall("GET", "\(admin)/stats").1
            #expect(statuses == Array(repeating: "200", count: 6), "back on the old backend alone: \(stats)")
            let history = try await adminCall("GET", "\(admin)/api/v1/config/history")
            #expect(history.1.contains("rollout 1 rolled back") && history.1.contains("rollout 1 step 1"))
        }
    }

    @Test func aHealthyNewTargetCompletes() async throws {
        try await withBackends(new: { try await PeerProxy.httpServer() }) { proxy, admin, _, new in
            let body = """
                {"pool": "web", "targets": [{"url": "http://127.0.0.1:\(new.port)"}], "weight_step": 50,
                 "interval_seconds": 1, "min_requests": 3}
                """
            let rollout = try await runRollout(body, proxy: proxy, admin: admin)
            #expect(rollout["status"] as? String == "completed", "\(rollout)")
            let steps = try #require(rollout["steps"] as? [[String: Any]])
            #expect(steps.map { $0["state"] as? String } == ["passed", "passed"])
            // How many requests each step got depends on the machine's load; that the new target took some does not.
            let judged = steps.reduce(0) { $0 + ($1["requests"] as? Int ?? 0) }
            #expect(judged > 0 && new.output.contains("GET /"), "the steps were judged on real traffic: \(rollout)")
            #expect(try await targetIDs(admin) == ["http://127.0.0.1:\(new.port)"])
        }
    }

    @Test func pauseResumeAndRollbackByHand() async throws {
        let old = try await PeerProxy.httpServer()
        defer { old.stop() }
        try await withAdminServer(yaml: Self.yaml(backend: old.port)) { _, admin, _, _ in
            let body = #"{"pool": "web", "targets": [{"url": "http://127.0.0.1:9"}], "interval_seconds": 60}"#
            #expect(try await adminCall("POST", "\(admin)/api/v1/rollouts", body: body).0 == 201)
            #expect(try await targetIDs(admin) == ["http://127.0.0.1:\(old.port)", "http://127.0.0.1:9"])
            #expect(try await adminCall("POST", "\(admin)/api/v1/rollouts", body: body).0 == 409, "one per pool")
            let paused = try await adminCall("POST", "\(admin)/api/v1/rollouts/1/pause")
            #expect(paused.0 == 200 && paused.1.contains(#""status":"paused""#), "\(paused)")
            #expect(try await adminCall("POST", "\(admin)/api/v1/rollouts/1/pause").0 == 409)
            #expect(try await adminCall("POST", "\(admin)/api/v1/rollouts/1/resume").0 == 200)
            let rolledBack = try await adminCall("POST", "\(admin)/api/v1/rollouts/1/rollback")
            #expect(rolledBack.0 == 200 && rolledBack.1.contains(#""state":"aborted""#), "\(rolledBack)")
            #expect(try await targetIDs(admin) == ["http://127.0.0.1:\(old.port)"])
            #expect(try await adminCall("POST", "\(admin)/api/v1/rollouts/1/resume").0 == 409)
        }
    }
}
