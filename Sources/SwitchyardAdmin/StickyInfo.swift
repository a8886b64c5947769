/// A pool's sticky sessions as the admin API shows them.
public struct StickyInfo: Sendable, Equatable {
    /// One pin: a sticky key and the target it keeps.
    public struct Pin: Sendable, Equatable {
        public var key: String
        public var target: String
        public var idleSeconds: Double

        public init(key: String, target: String, idleSeconds: Double) {
            self.key = key
            self.target = target
            self.idleSeconds = idleSeconds
        }
    }

    /// `username_session`, `client_ip` or `header:NAME`.
    public var key: String
    public var ttlSeconds: Double
    public var maxEntries: Int
    /// `repick` or `fail`.
    public var onTargetDown: String
    /// Live pins in all (`pins` may hold fewer).
    public var count: Int
    public var pins: [Pin]

    public init(key: String, ttlSeconds: Double, maxEntries: Int, onTargetDown: String, count: Int, pins: [Pin]) {
        self.key = key
        self.ttlSeconds = ttlSeconds
        self.maxEntries = maxEntries
        self.onTargetDown = onTargetDown
        self.count = count
        self.pins = pins
    }
}
