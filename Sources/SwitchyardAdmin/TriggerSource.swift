/// Triggers as the admin server sees them: `GET /api/v1/triggers`.
public protocol TriggerSource: Sendable {
    /// Every configured trigger with its state, and the most recent firings, newest first.
    func triggers() -> (triggers: [TriggerInfo], firings: [TriggerFiringInfo])
}

/// A configured trigger and where it stands.
public struct TriggerInfo: Sendable, Equatable {
    public var name: String
    /// `traffic` or `schedule`.
    public var kind: String
    /// What fires it, in words: `error_rate of pool web above 0.05 over 30s for 10s, clears at 0.01`,
    /// `cron 0 9 * * 1-5 in Europe/Paris`.
    public var condition: String
    /// `armed`, `pending`, `fired` (waiting to clear) or `scheduled`.
    public var state: String
    /// The metric's last reading (traffic triggers, once read).
    public var value: Double?
    public var cooldownSeconds: Double
    /// Firings since the process started (or since the trigger's settings last changed).
    public var firings: Int

    public init(
        name: String, kind: String, condition: String, state: String, value: Double?, cooldownSeconds: Double,
        firings: Int
    ) {
        self.name = name
        self.kind = kind
        self.condition = condition
        self.state = state
        self.value = value
        self.cooldownSeconds = cooldownSeconds
        self.firings = firings
    }
}

/// One firing of a trigger.
public struct TriggerFiringInfo: Sendable, Equatable {
    public var id: Int
    public var trigger: String
    /// ISO 8601, UTC.
    public var time: String
    public var value: Double?
    public var threshold: Double?
    /// Each action and its outcome.
    public var actions: [String]
    /// The webhook's outcome (`pending`, `delivered (200) after 1 attempt`, `failed after 4 attempts: ...`); nil
    /// without a webhook.
    public var webhook: String?

    public init(
        id: Int, trigger: String, time: String, value: Double?, threshold: Double?, actions: [String],
        webhook: String?
    ) {
        self.id = id
        self.trigger = trigger
        self.time = time
        self.value = value
        self.threshold = threshold
        self.actions = actions
        self.webhook = webhook
    }
}
