import NIOCore
import SwitchyardTraffic

/// What an active health check of a pool does: how it probes, how often, and the thresholds of its verdict.
public struct HealthCheck: Sendable {
    /// How one probe decides.
    public enum Probe: Sendable {
        /// The check passes when a TCP connection opens.
        case tcp
        /// The check passes when a `GET path` answers a status `expectStatus` accepts, with `expectBody` in its
        /// body when set. `host` is the `Host` header; nil sends the checked address.
        case http(path: String, expectStatus: @Sendable (Int) -> Bool, expectBody: String?, host: String?)
    }

    /// Where egress (source-address) targets send their checks; backend targets are checked at their own address.
    public struct Destination: Sendable {
        public var host: String
        public var port: Int
        /// Overrides the probe's path when set (from a URL).
        public var path: String?

        public init(host: String, port: Int, path: String? = nil) {
            self.host = host
            self.port = port
            self.path = path
        }
    }

    public var probe: Probe
    public var interval: TimeAmount
    public var timeout: TimeAmount
    public var egressDestination: Destination?
    public var thresholds: HealthStateMachine.Configuration

    public init(
        probe: Probe, interval: TimeAmount, timeout: TimeAmount, egressDestination: Destination?,
        thresholds: HealthStateMachine.Configuration
    ) {
        self.probe = probe
        self.interval = interval
        self.timeout = timeout
        self.egressDestination = egressDestination
        self.thresholds = thresholds
    }
}
