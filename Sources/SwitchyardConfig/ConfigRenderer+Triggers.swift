/// The root `triggers` list; nothing when there is none.
extension ConfigRenderer {
    mutating func write(_ triggers: [TriggerSettings]) {
        guard !triggers.isEmpty else { return }
        add(0, "triggers:")
        for trigger in triggers {
            add(1, "- name: \(DoubleQuoted.string(trigger.name))")
            if let condition = trigger.when {
                add(2, "when:")
                add(3, "metric: \(condition.metric.rawValue)")
                switch condition.scope {
                case .pool(let pool): add(3, "pool: \(DoubleQuoted.string(pool))")
                case .listener(let listener): add(3, "listener: \(DoubleQuoted.string(listener))")
                }
                add(3, "window: \(DurationText.format(condition.window))")
                add(3, "\(condition.above ? "above" : "below"): \(condition.threshold)")
                add(3, "for: \(DurationText.format(condition.duration))")
                if let clear = condition.clear { add(3, "clear: \(clear)") }
            }
            if let schedule = trigger.schedule {
                add(2, "schedule:")
                add(3, "cron: \(DoubleQuoted.string(schedule.cron.description))")
                add(3, "zone: \(DoubleQuoted.string(schedule.zone))")
            }
            add(2, "cooldown: \(DurationText.format(trigger.cooldown))")
            if let webhook = trigger.webhook {
                add(2, "webhook:")
                add(3, "url: \(DoubleQuoted.string(webhook.url))")
                add(3, "timeout: \(DurationText.format(webhook.timeout))")
                add(3, "retries: \(webhook.retries)")
                add(3, "backoff: \(DurationText.format(webhook.backoff))")
                if let secret = webhook.secret {
                    add(3, "secret: \(DoubleQuoted.string(redactingSecrets ? RedactedSecrets.placeholder : secret))")
                }
            }
            if !trigger.actions.isEmpty { add(2, "actions:") }
            for action in trigger.actions { write(action) }
        }
    }

    private mutating func write(_ action: TriggerSettings.Action) {
        var fields = ["action: \(action.name)", "pool: \(DoubleQuoted.string(action.pool))"]
        switch action {
        case .setWeight(_, let target, let weight):
            fields += ["target: \(DoubleQuoted.string(target))", "weight: \(weight)"]
        case .drain(_, let target), .enable(_, let target):
            fields.append("target: \(DoubleQuoted.string(target))")
        case .setPolicy(_, let policy):
            fields.append("policy: \(DoubleQuoted.string(policy))")
        case .scale(_, let by, let minimum, let maximum):
            fields += ["by: \(by)", "min_targets: \(minimum)", "max_targets: \(maximum)"]
        }
        add(3, "- { \(fields.joined(separator: ", ")) }")
    }
}
