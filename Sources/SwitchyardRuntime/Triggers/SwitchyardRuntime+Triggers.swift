import Foundation
import SwitchyardAdmin
import SwitchyardConfig
import SwitchyardTraffic

/// What triggers read of the running pools and listeners, and what their actions change.
extension SwitchyardRuntime {
    /// The value of `condition`'s metric now; rates come from `window`, which this reading is added to.
    func read(_ condition: TriggerSettings.Condition, into window: inout CounterWindow?, at now: UInt64) -> Double {
        switch condition.scope {
        case .listener(let name):
            return Double(listeners.first { $0.name == name }?.connections.active ?? 0)
        case .pool(let name):
            guard let pool = livePools[name] else { return 0 }
            let targets = pool.balancer.targets
            switch condition.metric {
            case .activeConnections:
                return Double(targets.reduce(0) { $0 + $1.connections.active })
            case .healthyTargets:
                return Double(targets.filter(\.isSelectable).count)
            case .p99Latency:
                let snapshot = pool.metrics?.stats.snapshot()
                return condition.window <= .seconds(60)
                    ? snapshot?.last1m.p99Latency ?? 0 : snapshot?.last15m.p99Latency ?? 0
            case .requestRate, .errorRate:
                let total = pool.metrics?.stats.snapshot().total
                window?.record(requests: total?.requests ?? 0, failures: total?.failures ?? 0, at: now)
                return condition.metric == .requestRate ? window?.requestRate ?? 0 : window?.errorRate ?? 0
            }
        }
    }

    /// Whether `schedule` fires in `minute` (minutes since the epoch), in its time zone.
    static func scheduleMatches(_ schedule: TriggerSettings.Schedule, atMinute minute: Int) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        guard let zone = TimeZone(identifier: schedule.zone) else { return false }
        calendar.timeZone = zone
        let date = Date(timeIntervalSince1970: TimeInterval(minute * 60))
        let parts = calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: date)
        return schedule.cron.matches(
            minute: parts.minute ?? 0, hour: parts.hour ?? 0, day: parts.day ?? 0, month: parts.month ?? 0,
            weekday: (parts.weekday ?? 1) - 1)
    }

    /// Performs `action` for the trigger named `trigger`; returns it and its outcome in words.
    func perform(_ action: TriggerSettings.Action, for trigger: String) -> String {
        let cause = "trigger \(trigger): \(action.name)"
        let live = livePools[action.pool]?.balancer.targets ?? []
        do {
            switch action {
            case .setWeight(let pool, let id, let weight):
                try change(pool: pool, cause: cause) { settings throws(AdminError) in
                    guard let index = settings.targets.firstIndex(where: { $0.id == id }) else {
                        throw .targetNotFound(id)
                    }
                    settings.targets[index].weight = weight
                }
                return "set_weight \(id) \(weight): done"
            case .drain(_, let id), .enable(_, let id):
                guard let target = live.first(where: { $0.id == id }) else { return "\(action.name) \(id): no such target" }
                if case .drain = action {
                    target.state.isDraining = true
                } else {
                    target.state.isEnabled = true
                    target.state.isDraining = false
                }
                return "\(action.name) \(id): done"
            case .setPolicy(let pool, let policy):
                try change(pool: pool, cause: cause) { settings throws(AdminError) in settings.policy = policy }
                return "set_policy \(policy): done"
            case .scale(_, let by, let minimum, let maximum):
                var enabled = live.filter(\.state.isEnabled).count
                var changed: [String] = []
                if by > 0 {
                    for target in live where !target.state.isEnabled && enabled < maximum && changed.count < by {
                        target.state.isEnabled = true
                        enabled += 1
                        changed.append(target.id)
                    }
                } else {
                    for target in live.reversed() where target.state.isEnabled && enabled > minimum && changed.count < -by {
                        target.state.isEnabled = false
                        enabled -= 1
                        changed.append(target.id)
                    }
                }
                let done = changed.isEmpty ? "nothing to change" : (by > 0 ? "enabled " : "disabled ") + changed.joined(separator: ", ")
                return "scale \(by): \(done); \(enabled) enabled"
            }
        } catch {
            let reason =
                switch error {
                case .invalid(let problems): problems.map { "\($0.path): \($0.message)" }.joined(separator: "; ")
                default: "\(error)"
                }
            logger.warning("trigger action failed", metadata: ["trigger": "\(trigger)", "action": "\(action.name)", "error": "\(reason)"])
            return "\(action.name): failed: \(reason)"
        }
    }
}
