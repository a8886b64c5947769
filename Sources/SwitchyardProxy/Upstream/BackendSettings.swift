import NIOCore
import NIOSSL
import SwitchyardTraffic

/// How a pool treats requests sent to it as backends of a reverse listener: timeouts, `Host` handling and
/// retries. Egress pools use its retry settings, to fail over between upstream proxies, and every pool its
/// transport and `Expect: 100-continue` settings.
public struct BackendSettings: Sendable {
    public var connectTimeout: TimeAmount
    /// Time allowed from sending a request to receiving the response head; exceeded gives 504.
    public var responseTimeout: TimeAmount
    /// Send the backend's own `host:port` as `Host` instead of the client's.
    public var rewriteHost: Bool
    /// Extra attempts after the first, on other targets, for requests that failed before any response byte (a
    /// target that could not be connected to is always left for another, beyond these).
    public var retryAttempts: Int
    public var retryBudget: RetryBudget
    public var retryBackoff: TimeAmount
    public var retryMaxBackoff: TimeAmount
    /// Request bodies up to this size are kept so the request can be replayed; larger ones are not retried.
    public var replayBodyBytes: Int
    /// Verify `https://` backends' certificates and host names.
    public var tlsVerify: Bool
    /// PEM file of CAs trusted for `https://` backends; nil trusts the system's.
    public var caFile: String?
    /// Keep-alive of upstream sockets and the bound on TLS handshakes with `https://` backends.
    public var transport: TransportTuning
    /// How long the body of a request with `Expect: 100-continue` waits for the upstream's `100 Continue` (or final
    /// answer) before it is sent anyway; zero sends it at once.
    public var expectContinueTimeout: TimeAmount

    public init(
        connectTimeout: TimeAmount = .seconds(5),
        responseTimeout: TimeAmount = .seconds(60),
        rewriteHost: Bool = false,
        retryAttempts: Int = 2,
        retryBudgetPercent: Int = 20,
        retryBackoff: TimeAmount = .milliseconds(25),
        retryMaxBackoff: TimeAmount = .seconds(1),
        replayBodyBytes: Int = 64 * 1024,
        tlsVerify: Bool = true,
        caFile: String? = nil,
        transport: TransportTuning = TransportTuning(),
        expectContinueTimeout: TimeAmount = .seconds(1)
    ) {
        self.connectTimeout = connectTimeout
        self.responseTimeout = responseTimeout
        self.rewriteHost = rewriteHost
        self.retryAttempts = retryAttempts
        self.retryBudget = RetryBudget(percent: retryBudgetPercent)
        self.retryBackoff = retryBackoff
        self.retryMaxBackoff = retryMaxBackoff
        self.replayBodyBytes = replayBodyBytes
        self.tlsVerify = tlsVerify
        self.caFile = caFile
        self.transport = transport
        self.expectContinueTimeout = expectContinueTimeout
    }

    /// Whether retry number `attempt` (from 1) may go ahead within the attempts and the budget (taking one retry from
    /// it), and the wait before it; a retry that counts against neither (`attempt` nil) goes ahead at once.
    func retryDelay(forAttempt attempt: Int?) -> TimeAmount? {
        guard let attempt else { return .zero }
        guard attempt <= retryAttempts, retryBudget.tryAcquireRetry() else { return nil }
        return backoff(forAttempt: attempt)
    }

    /// The wait before retry number `attempt` (from 1): exponential from `retryBackoff` up to `retryMaxBackoff`,
    /// with full jitter.
    private func backoff(forAttempt attempt: Int) -> TimeAmount {
        let ceiling = min(retryBackoff.nanoseconds << min(attempt - 1, 20), retryMaxBackoff.nanoseconds)
        return .nanoseconds(Int64.random(in: 0...max(0, ceiling)))
    }

    func makeClientTLSContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = tlsVerify ? .fullVerification : .none
        if let caFile { configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile)) }
        return try NIOSSLContext(configuration: configuration)
    }
}
