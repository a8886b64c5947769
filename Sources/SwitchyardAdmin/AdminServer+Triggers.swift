import Hummingbird

extension AdminServer {
    /// `GET /api/v1/triggers`.
    func triggerRoutes() -> [AdminRoute] {
        [
            AdminRoute(method: .get, path: "/api/v1/triggers", access: .apiKey) { [source] _, _ in
                let (triggers, firings) = source.triggers()
                return Response.json(
                    TriggersJSON(triggers: triggers.map(TriggerJSON.init), firings: firings.map(FiringJSON.init)))
            }
        ]
    }
}

struct TriggersJSON: Encodable {
    let triggers: [TriggerJSON]
    let firings: [FiringJSON]
}

struct TriggerJSON: Encodable {
    let name: String
    let kind: String
    let condition: String
    let state: String
    let value: Double?
    let cooldownSeconds: Double
    let firings: Int

    enum CodingKeys: String, CodingKey {
        case name, kind, condition, state, value, firings
        case cooldownSeconds = "cooldown_seconds"
    }

    init(_ trigger: TriggerInfo) {
        name = trigger.name
        kind = trigger.kind
        condition = trigger.condition
        state = trigger.state
        value = trigger.value
        cooldownSeconds = trigger.cooldownSeconds
        firings = trigger.firings
    }
}

struct FiringJSON: Encodable {
    let id: Int
    let trigger: String
    let time: String
    let value: Double?
    let threshold: Double?
    let actions: [String]
    let webhook: String?

    init(_ firing: TriggerFiringInfo) {
        id = firing.id
        trigger = firing.trigger
        time = firing.time
        value = firing.value
        threshold = firing.threshold
        actions = firing.actions
        webhook = firing.webhook
    }
}
