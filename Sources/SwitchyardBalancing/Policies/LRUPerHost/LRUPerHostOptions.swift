/// Settings of `LRUPerHostPolicy`.
///
/// Thread-safety: a `Sendable` value.
public struct LRUPerHostOptions: Sendable {
    /// How long a selection counts towards a host's history. Default: 5 minutes.
    public var historyWindow: Duration
    /// The most selections remembered per host; older ones stop counting. At least 1. Default: 100.
    public var historySize: Int
    /// The most selections remembered across all hosts; past it the oldest are forgotten first, whatever their host.
    /// Bounds the policy's memory. At least 1. Default: 100,000.
    public var historyMaxTotalEntries: Int

    /// Creates settings, each defaulting as documented on its property.
    public init(
        historyWindow: Duration = .seconds(300),
        historySize: Int = 100,
        historyMaxTotalEntries: Int = 100_000
    ) {
        self.historyWindow = historyWindow
        self.historySize = historySize
        self.historyMaxTotalEntries = historyMaxTotalEntries
    }
}
