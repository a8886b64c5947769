/// The rules of the root `triggers` list.
extension ConfigValidator {
    /// Checks every trigger against the pools and listeners it names.
    mutating func check(_ triggers: [TriggerSettings], pools: [PoolSettings], listeners: [ListenerSettings]) {
        var names: Set<String> = []
        for (index, trigger) in triggers.enumerated() {
            let path = ConfigPath.index(index, in: "triggers")
            if trigger.name.isEmpty {
                report("must not be empty", at: "\(path).name")
            } else if !names.insert(trigger.name).inserted {
                report("duplicate trigger name \"\(trigger.name)\"", at: "\(path).name")
            }
            switch (trigger.when, trigger.schedule) {
            case (let condition?, nil): check(condition, at: "\(path).when", pools: pools, listeners: listeners)
            case (nil, let schedule?):
                if !TimeZoneName.isKnown(schedule.zone) {
                    report("unknown time zone \"\(schedule.zone)\"", at: "\(path).schedule.zone")
                }
            default: report("exactly one of when and schedule is required", at: path)
            }
            atLeastZero(trigger.cooldown, at: "\(path).cooldown")
            if let webhook = trigger.webhook {
                if webhook.endpoint == nil {
                    report("\"\(webhook.url)\" must be http://host[:port][/path]", at: "\(path).webhook.url")
                }
                positive(webhook.timeout, at: "\(path).webhook.timeout")
                within(0...10, webhook.retries, at: "\(path).webhook.retries")
                atLeastZero(webhook.backoff, at: "\(path).webhook.backoff")
                if webhook.secret?.isEmpty == true { report("must not be empty", at: "\(path).webhook.secret") }
            }
            if trigger.webhook == nil, trigger.actions.isEmpty {
                report("a trigger needs a webhook or actions (or both)", at: path)
            }
            for (actionIndex, action) in trigger.actions.enumerated() {
                check(action, at: ConfigPath.index(actionIndex, in: "\(path).actions"), pools: pools)
            }
        }
    }

    private mutating func check(
        _ condition: TriggerSettings.Condition, at path: String, pools: [PoolSettings], listeners: [ListenerSettings]
    ) {
        switch condition.scope {
        case .pool(let name):
            checkPoolExists(name, in: pools.map(\.name), at: "\(path).pool")
        case .listener(let name):
            if !listeners.contains(where: { $0.name == name }) {
                report("no listener named \"\(name)\"", at: "\(path).listener")
            }
            if condition.metric != .activeConnections {
                report("a listener gives active_connections only; read the others of a pool", at: "\(path).metric")
            }
        }
        if condition.window < .seconds(1) || condition.window > .seconds(900) {
            report("must be from 1s to 15m, got \(DurationText.format(condition.window))", at: "\(path).window")
        }
        atLeastZero(condition.duration, at: "\(path).for")
        if let clear = condition.clear, condition.above ? clear > condition.threshold : clear < condition.threshold {
            report(
                "must be on the other side of the threshold \(condition.threshold) (\(condition.above ? "at most" : "at least") it)",
                at: "\(path).clear")
        }
    }

    private mutating func check(_ action: TriggerSettings.Action, at path: String, pools: [PoolSettings]) {
        guard let pool = pools.first(where: { $0.name == action.pool }) else {
            checkPoolExists(action.pool, in: pools.map(\.name), at: "\(path).pool")
            return
        }
        switch action {
        case .setWeight(_, let target, let weight):
            checkTarget(target, of: pool, at: path)
            within(0...TargetSettings.maxWeight, weight, at: "\(path).weight")
        case .drain(_, let target), .enable(_, let target):
            checkTarget(target, of: pool, at: path)
        case .setPolicy(_, let policy):
            if !PoolSettings.knownPolicies.contains(policy) {
                report(
                    "unknown policy \"\(policy)\"; known policies: "
                        + PoolSettings.knownPolicies.sorted().joined(separator: ", "), at: "\(path).policy")
            }
        case .scale(_, let by, let minimum, let maximum):
            if by == 0 { report("must not be 0", at: "\(path).by") }
            atLeast(0, minimum, at: "\(path).min_targets")
            if maximum < max(minimum, 1) {
                report("must be at least min_targets and 1, got \(maximum)", at: "\(path).max_targets")
            }
        }
    }

    private mutating func checkTarget(_ id: String, of pool: PoolSettings, at path: String) {
        if !pool.targets.contains(where: { $0.id == id }) {
            report("pool \"\(pool.name)\" has no target \"\(id)\"", at: "\(path).target")
        }
    }

    private mutating func atLeastZero(_ duration: Duration, at path: String) {
        if duration < .zero { report("must not be negative, got \(DurationText.format(duration))", at: path) }
    }
}
