import Foundation
import Testing

/// A traffic trigger over a running Switchyard, posting to a real python3 receiver that checks the signature with
/// python's own hmac: it fires when a pool drops below its healthy-target count, acts, retries a refused delivery,
/// fires again only once per cooldown, and is listed and counted.
@Suite(.timeLimit(.minutes(2)))
struct TriggerEndToEndTests {
    static let secret = "webhook-secret-0123456789"

    private static func yaml(receiver: Int) -> String {
        """
        log: { level: error, format: text }
        admin: { listen: "127.0.0.1:0" }
        listeners:
          - { name: web, mode: reverse, listen: "127.0.0.1:0", pool: web }
        pools:
          web:
            targets: [ { url: "http://127.0.0.1:9" }, { url: "http://127.0.0.1:10" }, { url: "http://127.0.0.1:11" } ]
        triggers:
          - name: one-down
            when: { metric: healthy_targets, pool: web, below: 3 }
            cooldown: 4s
            webhook: { url: "http://127.0.0.1:\(receiver)/hooks", timeout: 2s, retries: 2, backoff: 200ms, secret: "\(secret)" }
            actions:
              - { action: set_weight, pool: web, target: "http://127.0.0.1:9", weight: 3 }

        """
    }

    /// The receiver's JSON lines so far.
    private func received(_ receiver: PeerProxy) -> [[String: Any]] {
        receiver.output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    private func setEnabled(_ enabled: Bool, _ admin: String) async throws {
        let target = "http%3A%2F%2F127.0.0.1%3A11"
        let answer = try await adminCall(
            "PATCH", "\(admin)/api/v1/pools/web/targets/\(target)", body: #"{"enabled": \#(enabled)}"#)
        try #require(answer.0 == 200, "\(answer)")
    }

    @Test func firesASignedWebhookOncePerCooldown() async throws {
        let receiver = try await PeerProxy.webhookReceiver(secret: Self.secret)
        defer { receiver.stop() }
        try await withAdminServer(yaml: Self.yaml(receiver: receiver.port)) { _, admin, _, _ in
            // The first firing comes after this moment, so the second cannot come before it plus the 4 s cooldown.
            let firstDown = Date().timeIntervalSince1970
            try await setEnabled(false, admin)
            // The first delivery is refused (500) and retried after the backoff: two requests for one firing.
            #expect(try await eventually(within: 10) { received(receiver).count >= 2 })
            let (_, reweighed) = try await adminCall("GET", "\(admin)/api/v1/pools/web/targets/http%3A%2F%2F127.0.0.1%3A9")
            #expect(reweighed.contains(#""weight":3"#), "the action ran: \(reweighed)")
            // Back to three, then down again at once: the second firing waits for the cooldown.
            try await setEnabled(true, admin)
            try await Task.sleep(for: .milliseconds(600))
            try await setEnabled(false, admin)
            #expect(try await eventually(within: 10) { received(receiver).count >= 3 })
            try await Task.sleep(for: .seconds(1))
            let requests = received(receiver)
            #expect(requests.count == 3, "one firing per cooldown: \(requests)")
            #expect(requests.allSatisfy { $0["signed"] as? Bool == true }, "python's hmac agrees with every signature")
            let times = requests.compactMap { $0["time"] as? Double }
            #expect(times.count == 3 && times[2] >= firstDown + 4, "the second firing came a cooldown after the first")
            let body = try #require(requests.first?["body"] as? [String: Any])
            #expect(body["trigger"] as? String == "one-down" && body["metric"] as? String == "healthy_targets")
            #expect(body["value"] as? Double == 2 && body["threshold"] as? Double == 3)
            #expect(body["pool"] as? String == "web" && (body["time"] as? String)?.hasSuffix("Z") == true)

            let (_, listed) = try await adminCall("GET", "\(admin)/api/v1/triggers")
            let triggers = try #require(try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [String: Any])
            let firings = try #require(triggers["firings"] as? [[String: Any]])
            #expect(firings.map { $0["webhook"] as? String } == [
                "delivered (200) after 1 attempt", "delivered (200) after 2 attempts",
            ])
            #expect((triggers["triggers"] as? [[String: Any]])?.first?["firings"] as? Int == 2)
            let (_, metrics) = try await adminCall("GET", "\(admin)/metrics")
            #expect(metrics.contains(#"switchyard_trigger_firings_total{trigger="one-down"} 2"#))
        }
    }
}
