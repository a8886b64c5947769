/// How one request or tunnel through a target ended, as the data path reports it with `TargetPool.report`.
///
/// Thread-safety: a `Sendable` value.
public enum Outcome: Sendable, Equatable {
    /// The target served the request; `latency` is the time from sending the request (or opening the tunnel) to the
    /// first byte of the response (or the tunnel's establishment).
    case success(latency: Duration)
    /// The target failed: refused, reset, timed out, or answered with a server error. `latency` is the time until
    /// the failure was noticed, when known.
    case failure(latency: Duration?)
}
