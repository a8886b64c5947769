import SwitchyardAdmin
import SwitchyardConfig

/// Triggers through the admin API; `TriggerEngine` evaluates them.
extension SwitchyardRuntime: TriggerSource {
    public func triggers() -> (triggers: [TriggerInfo], firings: [TriggerFiringInfo]) {
        let configured = config.triggers
        let (watches, firings) = triggerEngine.snapshot(order: configured.map(\.name))
        let byName = Dictionary(watches.map { ($0.settings.name, $0) }, uniquingKeysWith: { first, _ in first })
        let triggers = configured.map { trigger in
            let watch = byName[trigger.name].flatMap { $0.settings == trigger ? $0 : nil }
            return TriggerInfo(
                name: trigger.name, kind: trigger.when == nil ? "schedule" : "traffic",
                condition: Self.describe(trigger), state: watch?.phase ?? (trigger.when == nil ? "scheduled" : "armed"),
                value: watch?.lastValue, cooldownSeconds: trigger.cooldown / .seconds(1), firings: watch?.firings ?? 0)
        }
        return (triggers, firings)
    }

    /// `error_rate of pool web above 0.05 over 30s for 10s, clears at 0.01`, or `cron 0 9 * * 1-5 in UTC`.
    private static func describe(_ trigger: TriggerSettings) -> String {
        if let schedule = trigger.schedule { return "cron \(schedule.cron) in \(schedule.zone)" }
        guard let condition = trigger.when else { return "" }
        let scope =
            switch condition.scope {
            case .pool(let pool): "pool \(pool)"
            case .listener(let listener): "listener \(listener)"
            }
        return "\(condition.metric.rawValue) of \(scope) \(condition.above ? "above" : "below") \(condition.threshold)"
            + " over \(DurationText.format(condition.window)) for \(DurationText.format(condition.duration))"
            + ", clears at \(condition.clear ?? condition.threshold)"
    }
}
