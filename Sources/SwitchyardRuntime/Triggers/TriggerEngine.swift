import Logging
import Prometheus
import SwitchyardAdmin
import SwitchyardConfig
import SwitchyardStats
import SwitchyardTraffic
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Watches the `triggers` of the config in force: every `tick` it reads each traffic trigger's metric and checks each
/// schedule, and on a firing logs it, counts it in `switchyard_trigger_firings_total{trigger}`, performs its actions
/// and posts its webhook. A trigger keeps its state across reloads while its settings stay the same.
final class TriggerEngine: Sendable {
    /// One trigger being watched.
    struct Watch: Sendable {
        let settings: TriggerSettings
        var threshold: ThresholdTrigger?
        var window: CounterWindow?
        var cooldown: Cooldown
        /// The minute (since the epoch) a schedule was last checked at.
        var checkedMinute: Int?
        var lastValue: Double?
        var firings = 0

        init(_ settings: TriggerSettings) {
            self.settings = settings
            cooldown = Cooldown(settings.cooldown)
            if let condition = settings.when {
                threshold = ThresholdTrigger(
                    above: condition.above, threshold: condition.threshold, clear: condition.clear,
                    duration: condition.duration, cooldown: settings.cooldown)
                window = CounterWindow(window: condition.window)
            }
        }

        /// `armed`, `pending` or `fired` for a traffic trigger; `scheduled` for a schedule.
        var phase: String { threshold?.phase.rawValue ?? "scheduled" }
    }

    private struct State: Sendable {
        var watches: [String: Watch] = [:]
        var firings: [TriggerFiringInfo] = []
        var nextFiring = 1
        var loop: Task<Void, Never>?
    }

    /// How often triggers are evaluated.
    static let tick = Duration.milliseconds(250)
    /// How many firings `GET /api/v1/triggers` lists (the most recent).
    static let firingsKept = 100

    private let state = Mutex(State())
    private let clock: any MonotonicClock = SystemClock()
    private let counters = Mutex<[String: Counter]>([:])

    /// The watched triggers, in config order, and the most recent firings, newest first.
    func snapshot(order: [String]) -> (watches: [Watch], firings: [TriggerFiringInfo]) {
        state.withLock { state in (order.compactMap { state.watches[$0] }, state.firings.reversed()) }
    }

    /// Starts evaluating the triggers of `runtime`'s config every `tick`.
    func start(_ runtime: SwitchyardRuntime) {
        state.withLock { state in
            guard state.loop == nil else { return }
            state.loop = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: Self.tick)
                    self.evaluate(runtime)
                }
            }
        }
    }

    /// Stops evaluating (at shutdown).
    func cancel() {
        state.withLock { $0.loop?.cancel() }
    }

    /// One evaluation of every trigger; fires those due.
    private func evaluate(_ runtime: SwitchyardRuntime) {
        let triggers = runtime.config.triggers
        let now = clock.nanoseconds()
        let wall = time(nil)
        var due: [(TriggerSettings, value: Double?)] = []
        for trigger in triggers {
            var watch = state.withLock { state in
                state.watches[trigger.name].flatMap { $0.settings == trigger ? $0 : nil } ?? Watch(trigger)
            }
            if let condition = trigger.when {
                let value = runtime.read(condition, into: &watch.window, at: now)
                watch.lastValue = value
                if watch.threshold?.observe(value, at: now) == true { due.append((trigger, value)) }
            } else if let schedule = trigger.schedule {
                let minute = wall / 60
                if watch.checkedMinute != minute {
                    watch.checkedMinute = minute
                    if SwitchyardRuntime.scheduleMatches(schedule, atMinute: minute), watch.cooldown.permit(at: now) {
                        due.append((trigger, nil))
                    }
                }
            }
            state.withLock { $0.watches[trigger.name] = watch }
        }
        state.withLock { state in
            let names = Set(triggers.map(\.name))
            state.watches = state.watches.filter { names.contains($0.key) }
        }
        for (trigger, value) in due { fire(trigger, value: value, at: wall, runtime: runtime) }
    }

    private func fire(_ trigger: TriggerSettings, value: Double?, at wall: Int, runtime: SwitchyardRuntime) {
        let threshold = trigger.when?.threshold
        var metadata: Logger.Metadata = ["trigger": "\(trigger.name)"]
        if let value, let threshold { metadata["value"] = "\(value)"; metadata["threshold"] = "\(threshold)" }
        runtime.logger.notice("trigger fired", metadata: metadata)
        count(trigger.name, in: runtime)
        let actions = trigger.actions.map { runtime.perform($0, for: trigger.name) }
        let id = state.withLock { state in
            let id = state.nextFiring
            state.nextFiring += 1
            state.watches[trigger.name]?.firings += 1
            state.firings.append(
                TriggerFiringInfo(
                    id: id, trigger: trigger.name, time: SwitchyardRuntime.iso8601(wall), value: value,
                    threshold: threshold, actions: actions, webhook: trigger.webhook == nil ? nil : "pending"))
            if state.firings.count > Self.firingsKept { state.firings.removeFirst() }
            return id
        }
        guard let webhook = trigger.webhook else { return }
        let body = Self.body(trigger, value: value, at: wall)
        let sender = WebhookSender(group: runtime.eventLoops)
        Task {
            let outcome = await sender.deliver(body, to: webhook)
            runtime.logger.notice("trigger webhook", metadata: ["trigger": "\(trigger.name)", "outcome": "\(outcome)"])
            state.withLock { state in
                if let index = state.firings.firstIndex(where: { $0.id == id }) { state.firings[index].webhook = outcome }
            }
        }
    }

    /// The webhook's JSON: the trigger, what fired it, and when.
    static func body(_ trigger: TriggerSettings, value: Double?, at wall: Int) -> String {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("trigger", trigger.name)
        writer.field("kind", trigger.when == nil ? "schedule" : "traffic")
        if let condition = trigger.when {
            writer.field("metric", condition.metric.rawValue)
            switch condition.scope {
            case .pool(let pool): writer.field("pool", pool)
            case .listener(let listener): writer.field("listener", listener)
            }
            writer.field("value", value ?? 0)
            writer.field("threshold", condition.threshold)
            writer.field("direction", condition.above ? "above" : "below")
        } else if let schedule = trigger.schedule {
            writer.field("cron", schedule.cron.description)
            writer.field("zone", schedule.zone)
        }
        writer.field("time", SwitchyardRuntime.iso8601(wall))
        writer.endObject()
        return writer.text
    }

    private func count(_ trigger: String, in runtime: SwitchyardRuntime) {
        counters.withLock { counters in
            if counters[trigger] == nil {
                counters[trigger] = runtime.metrics.registry.makeCounter(
                    descriptor: MetricNameDescriptor(
                        namespace: "switchyard", metricName: "trigger_firings", unitName: "total",
                        helpText: "Trigger firings, by trigger."),
                    labels: [("trigger", trigger)])
            }
            return counters[trigger]!
        }.increment()
    }
}
