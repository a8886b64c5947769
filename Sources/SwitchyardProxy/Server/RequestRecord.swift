import NIOCore

/// The account of one request or tunnel from its head to its end. `finish` counts it in the listener's metrics, the
/// process's, pool's and target's windows, and writes its access line — once; later calls do nothing. The in-flight
/// count it joined at its start is left at the same moment.
final class RequestRecord {
    let method: String
    /// What the access line names as the destination until it is known: the request target.
    let target: String
    /// Where the request went, once planned; the access line names it in `Host` form, built only when it is written.
    var destination: ProxyDestination?
    let start = NIODeadline.now()
    let requestID: String?
    let user: String?
    let client: SocketAddress?
    var bytesIn = 0
    var bytesOut = 0
    private let settings: ProxyListenerSettings
    private var finished = false

    init(method: String, target: String, requestID: String?, user: String?, client: SocketAddress?,
         settings: ProxyListenerSettings) {
        self.method = method
        self.target = target
        self.requestID = requestID
        self.user = user
        self.client = client
        self.settings = settings
        settings.metrics?.traffic.stats.requestStarted()
    }

    /// Counts and logs the request with the status the client got; `lease` is the target that served it, if any.
    func finish(status: UInt, lease: TargetLease?, error: String?) {
        guard !finished else { return }
        finished = true
        let duration = Duration.nanoseconds((NIODeadline.now() - start).nanoseconds)
        if let metrics = settings.metrics {
            metrics.recordRequest(method: method, status: status, duration: duration, bytesIn: bytesIn, bytesOut: bytesOut)
            metrics.traffic.stats.requestFinished()
            if let lease { metrics.traffic.countHost(lease.host) }
        }
        if let lease {
            let succeeded = status < 500
            lease.pool.metrics?.stats.record(latency: duration, succeeded: succeeded, bytesIn: bytesIn, bytesOut: bytesOut)
            lease.metrics?.served(duration: duration, succeeded: succeeded, bytesIn: bytesIn, bytesOut: bytesOut)
        }
        guard AccessRecord.isWritten(failed: error != nil, by: settings.logger) else { return }
        AccessRecord(
            listener: settings.listenerName,
            client: client,
            user: user,
            method: method,
            host: destination?.hostHeader ?? target,
            pool: lease?.pool.name,
            target: lease?.route.id,
            sticky: lease?.sticky.map { "\($0.outcome)" },
            upstreamDuration: lease?.upstreamDuration,
            status: status,
            bytesUp: bytesIn,
            bytesDown: bytesOut,
            start: start,
            requestID: requestID,
            error: error
        ).emit(to: settings.logger)
    }
}
