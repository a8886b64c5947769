import Foundation
import Testing

/// The dashboard in a real browser: headless Chromium (Debian's `chromium`, installed by `scripts/test.sh`) opens the
/// page of a running Switchyard, runs its script against the live admin API and the DOM it leaves is checked: the
/// listeners' routes, every pool with its `auto` state and its three 15-minute charts, every target with its errors by
/// kind and last check, actions enabled because the API is open, a rollout started through the API (its steps and
/// its commands, enabled because the API is open) and a trigger that fires at once, with its firing and the outcome of
/// its webhook (to a refusing port). A screenshot is kept at `.build/test-artifacts/dashboard.png` (its path is
/// printed).
///
/// The browser talks only to loopback: every host but 127.0.0.1 resolves to nothing (`--host-resolver-rules`), background
/// networking, component updates and sync are off, and the page itself loads nothing from elsewhere.
@Suite(.timeLimit(.minutes(3)))
struct DashboardBrowserTests {
    static let chromium = "/usr/bin/chromium"

    @Test func thePageShowsRoutesPoolsTargetsChartsAndTheAutoPolicy() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.chromium), "chromium not found: run scripts/test.sh")
        let refusing = try await FakeUpstream.refusingPort(group: .singletonMultiThreadedEventLoopGroup)
        let yaml = { (origin: Int) in
            """
            log: { level: error, format: text }
            listeners:
              - name: web
                mode: reverse
                listen: "127.0.0.1:0"
                routes:
                  - { match: { host: api.local, path_prefix: /v1 }, pool: api }
                  - { pool: app }
            pools:
              app:
                policy: auto
                targets: [ { url: "http://127.0.0.1:\(origin)" }, { url: "http://127.0.0.1:\(refusing)" } ]
              api:
                health_check: { type: http, interval: 200ms, timeout: 1s, target: "http://127.0.0.1:\(origin)/health" }
                targets: [ { url: "http://127.0.0.1:\(origin)" } ]
            triggers:
              - name: api-thin
                when: { metric: healthy_targets, pool: api, below: 5 }
                cooldown: 1h
                webhook: { url: "http://127.0.0.1:\(refusing)/hook", timeout: 1s, retries: 0 }
            """
        }
        try await withAdminServer(yaml: yaml) { proxy, admin, origin, _ in
            // curl off the cooperative pool: the admin server and the proxy's other tests need its few threads.
            let statuses = try await Subprocess.curlOffPool(
                ["-o", "/dev/null", "-w", "%{http_code}\\n", "\(proxy.proxyURL)/page?[1-20]"]
            ).stdout.split(separator: "\n")
            #expect(statuses.count == 20 && statuses.allSatisfy { $0 == "200" }, "\(statuses)")
            let routed = try await Subprocess.curlOffPool(
                ["-o", "/dev/null", "-w", "%{http_code}", "-H", "Host: api.local", "\(proxy.proxyURL)/v1/x"])
            #expect(routed.stdout == "200")
            try await Task.sleep(for: .milliseconds(500))  // a few health checks of pool api
            // A rollout that stays on its first step for the whole test: its commands are live.
            let rollout =
                #"{"pool": "api", "targets": [{"url": "http://127.0.0.2:\#(origin.port)"}], "interval_seconds": 3600}"#
            let started = try await adminCall("POST", "\(admin)/api/v1/rollouts", body: rollout)
            try #require(started.0 == 201, "\(started)")

            let artifacts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent(".build/test-artifacts")
            try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            let screenshot = artifacts.appendingPathComponent("dashboard.png").path
            try? FileManager.default.removeItem(atPath: screenshot)
            let dom = try await Self.browse(admin + "/", screenshot: screenshot)
            print("dashboard screenshot: \(screenshot)")
            #expect(FileManager.default.fileExists(atPath: screenshot))

            #expect(dom.contains("live · updated"), "the page polled /stats")
            #expect(dom.contains("api.local /v1 → pool api") && dom.contains("(everything else) → pool app"))
            #expect(dom.contains(#"data-pool="app""#) && dom.contains(#"data-pool="api""#))
            #expect(dom.contains("http://127.0.0.1:\(refusing)"))
            #expect(dom.contains("auto runs <b>weighted-round-robin</b>"), "the auto policy's state")
            for chart in ["request rate", "error rate", "p99"] {
                #expect(dom.contains(#"data-chart="\#(chart)""#), "\(chart) chart")
            }
            #expect(dom.contains("<polyline class=\"rps\" points=\""), "a drawn chart")
            #expect(dom.contains("connect_failed"), "errors by kind")
            #expect(dom.contains("passed: HTTP 200</span> "), "the last health check and its duration")
            #expect(
                dom.contains(#"data-action="drain" data-pool="app" data-target="http://127.0.0.1:\#(refusing)">Drain"#),
                "actions enabled: the API is open to this viewer")
            #expect(dom.contains(#"<section id="rollouts">"#))
            #expect(
                dom.contains(#"<b>rollout 1</b> pool api <span class="badge b-warn">running</span>"#), "the rollout")
            #expect(dom.contains("http://127.0.0.2:\(origin.port) (1)"), "the new target in the steps' target sets")
            #expect(dom.contains(#"<td class="num">2</td><td><span class="badge b-muted">pending</span>"#), "step 2")
            #expect(dom.contains(#"<td class="num">1</td><td><span class="badge b-warn">running</span>"#), "step 1")
            #expect(
                dom.contains(#"data-rollout="1" data-command="pause">Pause"#)
                    && dom.contains(#"data-rollout="1" data-command="resume" disabled="">Resume"#)
                    && dom.contains(#"data-rollout="1" data-command="rollback">Roll back"#),
                "pause and roll back enabled (the API is open), resume disabled (it runs)")
            #expect(dom.contains(#"<td class="id">api-thin</td><td>traffic</td>"#), "the trigger")
            #expect(dom.contains(#"<td class="id">api-thin</td><td class="num">"#), "its firing")
            #expect(dom.contains(#"<span class="badge b-bad">failed after 1 attempt"#), "the firing's webhook outcome")
        }
    }

    /// The DOM of `url` after its scripts ran for a few seconds of virtual time, and a screenshot of it (one run).
    static func browse(_ url: String, screenshot: String) async throws -> String {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("chromium-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let run = try await Subprocess.runOffPool(
            "/usr/bin/timeout",
            [
                "60", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile)",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--virtual-time-budget=4000",
                "--window-size=1900,1300", "--screenshot=\(screenshot)", "--dump-dom", url,
            ])
        #expect(run.status == 0 && !run.stdout.isEmpty, "\(run.stderr)")
        return run.stdout
    }
}
