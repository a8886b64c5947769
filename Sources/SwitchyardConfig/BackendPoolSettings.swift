/// How a pool serves as the backend pool of reverse listeners: connection and response timeouts, the `Host`
/// header, retries and upstream TLS. Egress pools use only `retries`, to fail over between upstream proxies.
public struct BackendPoolSettings: Sendable, Equatable {
    /// `keep` passes the client's `Host` on; `rewrite` sends the backend's own `host:port`.
    public var hostHeader: HostHeaderMode
    public var connectTimeout: Duration
    /// Time from sending a request to the start of its response; exceeded gives 504.
    public var responseTimeout: Duration
    public var retries: RetrySettings
    /// Verify `https://` backends' certificates (default true).
    public var tlsVerify: Bool
    /// PEM file of the CAs trusted for `https://` backends; nil uses the system's.
    public var ca: String?

    public init(
        hostHeader: HostHeaderMode = .keep,
        connectTimeout: Duration = .seconds(5),
        responseTimeout: Duration = .seconds(60),
        retries: RetrySettings = RetrySettings(),
        tlsVerify: Bool = true,
        ca: String? = nil
    ) {
        self.hostHeader = hostHeader
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.retries = retries
        self.tlsVerify = tlsVerify
        self.ca = ca
    }

    public static let `default` = BackendPoolSettings()
}

/// What `Host` a backend receives.
public enum HostHeaderMode: String, CaseIterable, Sendable, Equatable {
    case keep, rewrite
}

/// Retries of requests that failed before any response byte (connect failure or reset), on other targets.
public struct RetrySettings: Sendable, Equatable {
    /// Extra attempts after the first.
    public var attempts: Int
    /// Retries allowed per 100 requests over the last 10 s (at least 3).
    public var budgetPercent: Int
    /// First backoff; doubles each attempt up to `maxBackoff`, with full jitter.
    public var backoff: Duration
    public var maxBackoff: Duration
    /// Request bodies up to this size are kept for replay; larger ones are never retried.
    public var replayBodyBytes: Int

    public init(
        attempts: Int = 2,
        budgetPercent: Int = 20,
        backoff: Duration = .milliseconds(25),
        maxBackoff: Duration = .seconds(1),
        replayBodyBytes: Int = 65536
    ) {
        self.attempts = attempts
        self.budgetPercent = budgetPercent
        self.backoff = backoff
        self.maxBackoff = maxBackoff
        self.replayBodyBytes = replayBodyBytes
    }
}
