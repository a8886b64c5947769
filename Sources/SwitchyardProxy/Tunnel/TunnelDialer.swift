import NIOCore

/// Opens the upstream side of a CONNECT tunnel: dials the destination through the reserved target's route and,
/// when the target cannot be reached or the path through an upstream proxy fails, moves on to another target
/// through `Failover` (the same retry
/// step exchanges take) while the client has received nothing. Holds the current target's lease until it hands the
/// channel over (or fails, or is cancelled). Confined to the client's event loop.
final class TunnelDialer {
    /// What the dial came to.
    enum Outcome {
        /// The path is open; the lease (still held) now belongs to the tunnel.
        case connected(any Channel)
        /// Every attempt failed; the lease was reported and given back.
        case failed(UpstreamFailure)
    }

    private(set) var request: UpstreamRequest
    private let planner: any RequestPlanner
    private let eventLoop: any EventLoop
    /// Called once with the outcome, then dropped: the caller usually holds this dialer, and the closure the
    /// caller, so keeping it would keep both (and the request) alive after the tunnel ended.
    private var completion: ((Outcome) -> Void)?
    private var failover = Failover()
    private var isOver = false

    init(
        request: UpstreamRequest, planner: any RequestPlanner, eventLoop: any EventLoop,
        completion: @escaping (Outcome) -> Void
    ) {
        self.request = request
        self.planner = planner
        self.eventLoop = eventLoop
        self.completion = completion
    }

    /// The target serving the tunnel now.
    var lease: TargetLease { request.lease }

    func start() {
        dial()
    }

    /// The client went away: stop, and give back the target.
    func cancel() {
        completion = nil
        guard !isOver else { return }
        isOver = true
        request.lease.release()
    }

    private func finish(_ outcome: Outcome) {
        let completion = self.completion
        self.completion = nil
        completion?(outcome)
    }

    private func dial() {
        let attempt = failover.attempt
        let destination = request.destination
        UpstreamConnector.connect(
            host: destination.host, port: destination.port, route: request.lease.route,
            timeout: request.connectTimeout, transport: request.pool.backend.transport,
            check: request.destinationCheck, on: eventLoop
        ) { channel in
            channel.eventLoop.makeSucceededVoidFuture()
        }.assumeIsolated().whenComplete { result in
            guard !self.isOver, self.failover.attempt == attempt else {
                if case .success(let channel) = result { channel.close(promise: nil) }
                return
            }
            switch result {
            case .success(let channel):
                self.isOver = true
                self.request.lease.report(.connected)
                self.finish(.connected(channel))
            case .failure(let error):
                let route = self.request.lease.route
                let failure = UpstreamFailure(error, host: destination.host, port: destination.port, route: route)
                let cause = failure.result(via: route) ?? .connectFailed
                if failure.failedBeforeDestination(via: route),
                    let delay = self.failover.moveOn(&self.request, after: cause, planner: self.planner)
                {
                    let next = self.failover.attempt
                    self.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                        guard !self.isOver, self.failover.attempt == next else { return }
                        self.dial()
                    }
                    return
                }
                self.isOver = true
                if let result = failure.result(via: route) { self.request.lease.report(result) }
                self.request.lease.release()
                self.finish(.failed(failure))
            }
        }
    }
}
