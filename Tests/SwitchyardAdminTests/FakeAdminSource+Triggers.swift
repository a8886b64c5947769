import SwitchyardAdmin

/// One traffic trigger that fired once, with its webhook delivered.
extension FakeAdminSource {
    func triggers() -> (triggers: [TriggerInfo], firings: [TriggerFiringInfo]) {
        (
            [
                TriggerInfo(
                    name: "errors", kind: "traffic", condition: "error_rate of pool web above 0.05 over 30s for 10s",
                    state: "fired", value: 0.2, cooldownSeconds: 300, firings: 1)
            ],
            [
                TriggerFiringInfo(
                    id: 1, trigger: "errors", time: "2026-12-04T10:00:00Z", value: 0.2, threshold: 0.05,
                    actions: ["drain http://127.0.0.1:8082: done"], webhook: "delivered (200) after 1 attempt")
            ]
        )
    }
}
