import Atomics
import Logging
import NIOCore
import NIOHTTP1
import SwitchyardBalancing
import SwitchyardTraffic

/// Checks one target of a pool again and again, off the request path: one probe at a time, each bounded by the
/// check's timeout, spaced by the interval with ±10 % jitter (the first one at a random point of the first
/// interval, so many targets do not probe in step). Feeds the verdict to the target's `isHealthy` flag and logs
/// each change once.
///
/// Thread-safety: the probing runs on `eventLoop` only; `start`, `stop` and `status` may be called from any thread.
final class TargetProber: Sendable {
    let target: BalancingTarget
    private let check: HealthCheck
    private let route: UpstreamRoute
    private let pool: UpstreamPool
    private let eventLoop: any EventLoop
    private let machine: LockedValue<HealthStateMachine>
    private let scheduled: NIOLoopBoundBox<Scheduled<Void>?>
    private let stopped = ManagedAtomic(false)

    /// - Parameter previous: the verdict of this target's prober before a reload, to carry on from.
    init(
        target: BalancingTarget, route: UpstreamRoute, pool: UpstreamPool, check: HealthCheck, eventLoop: any EventLoop,
        previous: HealthStateMachine?
    ) {
        self.target = target
        self.route = route
        self.pool = pool
        self.check = check
        self.eventLoop = eventLoop
        let machine =
            previous.map { HealthStateMachine(continuing: $0, configuration: check.thresholds) }
            ?? HealthStateMachine(configuration: check.thresholds)
        target.state.isHealthy = machine.state == .healthy
        self.machine = LockedValue(machine)
        self.scheduled = .makeEmptyBox(valueType: Scheduled<Void>.self, eventLoop: eventLoop)
    }

    /// The verdict so far: state, cause, last result and time of the last change.
    var status: HealthStateMachine {
        machine.withLock { $0 }
    }

    func start() {
        eventLoop.execute {
            let first = Int64.random(in: 0...max(0, self.check.interval.nanoseconds))
            self.schedule(in: .nanoseconds(first))
        }
    }

    func stop() {
        stopped.store(true, ordering: .relaxed)
        eventLoop.execute { self.scheduled.value?.cancel() }
    }

    private func schedule(in delay: TimeAmount) {
        guard !stopped.load(ordering: .relaxed) else { return }
        scheduled.value = eventLoop.scheduleTask(in: delay) { self.probeOnce() }
    }

    private func probeOnce() {
        let started = NIODeadline.now()
        probe().whenComplete { result in
            // A stopped prober's verdicts belong to the checker that replaced it (and a probe cut short by its
            // event loops shutting down is no verdict at all).
            guard !self.stopped.load(ordering: .relaxed) else { return }
            let (passed, reason): (Bool, String) =
                switch result {
                case .success(let verdict): verdict
                case .failure(let error): (false, Self.describe(error, after: NIODeadline.now() - started))
                }
            let elapsed = NIODeadline.now() - started
            self.pool.metrics?.targets[self.target.id]?.healthChecked(
                passed: passed, duration: .nanoseconds(elapsed.nanoseconds))
            self.record(passed: passed, reason: reason)
            let spacing = Double(self.check.interval.nanoseconds) * Double.random(in: 0.9...1.1)
            self.schedule(in: .nanoseconds(Int64(spacing)))
        }
    }

    private func record(passed: Bool, reason: String) {
        let (changed, state, cause) = machine.withLock { machine in
            (machine.record(success: passed, reason: reason), machine.state, machine.cause)
        }
        if changed {
            target.state.isHealthy = state == .healthy
            let verdict = state == .healthy ? "healthy" : "unhealthy"
            pool.logger.warning("pool \(pool.name): target \(target.id) is \(verdict) (\(cause))")
        }
        if passed, let guards = pool.balancer.guards {
            pool.log(guards.recordPassedCheck(target))
        }
    }

    /// One probe: the verdict and its reason, or the connection's failure.
    private func probe() -> EventLoopFuture<(Bool, String)> {
        let (host, port) =
            route.backend.map { ($0.host, $0.port) }
            ?? (check.egressDestination.map { ($0.host, $0.port) } ?? ("127.0.0.1", 80))
        let tls = route.backend != nil && route.usesTLS ? pool.tlsContext : nil
        let timeout = check.timeout
        switch check.probe {
        case .tcp:
            return UpstreamConnector.connect(
                host: host, port: port, route: route, timeout: timeout, transport: pool.backend.transport, tls: nil,
                on: eventLoop
            ) { $0.eventLoop.makeSucceededVoidFuture() }.flatMapErrorThrowing { [route] error in
                throw UpstreamFailure(error, host: host, port: port, route: route)
            }.map { channel in
                channel.close(promise: nil)
                return (true, "connected to \(host):\(port)")
            }
        case .http(let path, let expectStatus, let expectBody, let hostHeader):
            let response = eventLoop.makePromise(of: (status: Int, body: String).self)
            let target = check.egressDestination?.path ?? path
            let connecting = UpstreamConnector.connect(
                host: host, port: port, route: route, timeout: timeout, transport: pool.backend.transport, tls: tls,
                on: eventLoop
            ) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        HTTPRequestEncoder(),
                        ByteToMessageHandler(HTTPResponseDecoder()),
                        HealthProbeHandler(result: response, keepsBody: expectBody != nil)
                    )
                }
            }
            connecting.whenComplete { result in
                switch result {
                case .success(let channel):
                    let deadline = channel.eventLoop.scheduleTask(in: timeout) {
                        response.fail(HealthProbeTimeout())
                        channel.close(promise: nil)
                    }
                    response.futureResult.whenComplete { _ in deadline.cancel() }
                    var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target)
                    head.headers.add(name: "host", value: hostHeader ?? Self.hostHeader(host: host, port: port))
                    head.headers.add(name: "user-agent", value: "switchyard-health-check")
                    head.headers.add(name: "connection", value: "close")
                    channel.write(HTTPClientRequestPart.head(head), promise: nil)
                    channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                case .failure(let error):
                    response.fail(UpstreamFailure(error, host: host, port: port, route: self.route))
                }
            }
            return response.futureResult.map { status, body in
                guard expectStatus(status) else { return (false, "HTTP \(status)") }
                if let expectBody, !body.contains(expectBody) {
                    return (false, "HTTP \(status) without \"\(expectBody)\" in the body")
                }
                return (true, "HTTP \(status)")
            }
        }
    }

    private static func hostHeader(host: String, port: Int) -> String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    private static func describe(_ error: any Error, after elapsed: TimeAmount) -> String {
        if error is HealthProbeTimeout {
            return "no answer within \(elapsed.nanoseconds / 1_000_000) ms"
        }
        if let failure = error as? UpstreamFailure { return failure.description }
        if case ChannelError.connectTimeout = error { return "connect timed out" }
        if case ChannelError.eof = error { return "connection closed before a complete response" }
        return "\(error)"
    }
}

/// A health probe ran out of time.
struct HealthProbeTimeout: Error {}
