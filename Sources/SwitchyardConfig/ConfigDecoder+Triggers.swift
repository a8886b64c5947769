import Yams

/// The root `triggers` list.
extension ConfigDecoder {
    private static let triggerKeys = ["name", "when", "schedule", "cooldown", "webhook", "actions"]
    private static let conditionKeys = ["metric", "pool", "listener", "window", "above", "below", "for", "clear"]
    private static let actionKeys = ["action", "pool", "target", "weight", "policy", "by", "min_targets", "max_targets"]

    /// Every trigger of `triggers`, in order.
    func triggers(_ top: YAMLMapping) -> [TriggerSettings] {
        top.list("triggers")?.map(trigger) ?? []
    }

    private func trigger(path: String, node: Node) -> TriggerSettings {
        var trigger = TriggerSettings(name: "")
        guard let fields = reader.mapping(node, at: path, keys: Self.triggerKeys) else { return trigger }
        fields.read("name", into: &trigger.name, required: true)
        if let when = fields.mapping("when", keys: Self.conditionKeys) { trigger.when = condition(when) }
        if let schedule = fields.mapping("schedule", keys: ["cron", "zone"]) {
            var cron: CronExpression? = nil
            schedule.read("cron", into: &cron, required: true) { node throws(ValueError) -> CronExpression? in
                let text = try YAMLScalar.string(node)
                do throws(CronError) {
                    return try CronExpression(parsing: text)
                } catch {
                    throw ValueError(error.description)
                }
            }
            var zone = "UTC"
            schedule.read("zone", into: &zone)
            trigger.schedule = TriggerSettings.Schedule(cron: cron ?? .everyMinute, zone: zone)
        }
        fields.read("cooldown", into: &trigger.cooldown)
        if let webhook = fields.mapping("webhook", keys: ["url", "timeout", "retries", "backoff", "secret"]) {
            var settings = TriggerSettings.Webhook(url: "")
            webhook.read("url", into: &settings.url, required: true)
            webhook.read("timeout", into: &settings.timeout)
            webhook.read("retries", into: &settings.retries)
            webhook.read("backoff", into: &settings.backoff)
            webhook.read("secret", into: &settings.secret)
            trigger.webhook = settings
        }
        trigger.actions = fields.list("actions")?.compactMap(action) ?? []
        return trigger
    }

    private func condition(_ fields: YAMLMapping) -> TriggerSettings.Condition {
        var condition = TriggerSettings.Condition(metric: .requestRate, scope: .pool(""))
        fields.read(
            "metric", into: &condition.metric, noun: "metric", required: true,
            parse: TriggerSettings.Metric.init(rawValue:))
        var pool: String? = nil
        var listener: String? = nil
        fields.read("pool", into: &pool)
        fields.read("listener", into: &listener)
        switch (pool, listener) {
        case (let pool?, nil): condition.scope = .pool(pool)
        case (nil, let listener?): condition.scope = .listener(listener)
        default: reader.report("exactly one of pool and listener is required", at: fields.path)
        }
        fields.read("window", into: &condition.window)
        var above: Double? = nil
        var below: Double? = nil
        fields.read("above", into: &above)
        fields.read("below", into: &below)
        switch (above, below) {
        case (let threshold?, nil): condition.threshold = threshold
        case (nil, let threshold?): (condition.above, condition.threshold) = (false, threshold)
        default: reader.report("exactly one of above and below is required", at: fields.path)
        }
        fields.read("for", into: &condition.duration)
        fields.read("clear", into: &condition.clear)
        return condition
    }

    private func action(path: String, node: Node) -> TriggerSettings.Action? {
        guard let fields = reader.mapping(node, at: path, keys: Self.actionKeys) else { return nil }
        var name = ""
        var pool = ""
        var target = ""
        fields.read("action", into: &name, required: true)
        fields.read("pool", into: &pool, required: true)
        switch name {
        case "set_weight":
            var weight = 0
            fields.read("target", into: &target, required: true)
            fields.read("weight", into: &weight, required: true, as: YAMLScalar.int)
            return .setWeight(pool: pool, target: target, weight: weight)
        case "drain", "enable":
            fields.read("target", into: &target, required: true)
            return name == "drain" ? .drain(pool: pool, target: target) : .enable(pool: pool, target: target)
        case "set_policy":
            var policy = ""
            fields.read("policy", into: &policy, required: true)
            return .setPolicy(pool: pool, policy: policy)
        case "scale":
            var (by, minimum, maximum) = (0, 0, 0)
            fields.read("by", into: &by, required: true, as: YAMLScalar.int)
            fields.read("min_targets", into: &minimum, required: true, as: YAMLScalar.int)
            fields.read("max_targets", into: &maximum, required: true, as: YAMLScalar.int)
            return .scale(pool: pool, by: by, minTargets: minimum, maxTargets: maximum)
        case "":
            return nil
        default:
            reader.report(
                "unknown action \"\(name)\"; known actions: set_weight, drain, enable, set_policy, scale",
                at: ConfigPath.key("action", in: path))
            return nil
        }
    }
}
