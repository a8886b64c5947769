import NIOCore

/// Idle keep-alive connections to upstreams, keyed by (egress route, destination), for one event loop.
///
/// Confined to its event loop, so it takes no locks: an exchange only ever reuses connections that live on
/// its own loop. At most `maxIdlePerKey` connections wait per key and `maxIdleTotal` in all (extra ones are
/// closed), and each is closed after `idleTimeout` unused: expired connections are skipped when taken and
/// swept every half timeout, so returning a connection schedules no timer. A sweep that leaves the pool empty stops
/// the sweeping until a connection is returned again, so a pool a reload replaced keeps no timer (and is freed) once
/// its last idle connection has expired.
final class UpstreamConnectionPool {
    /// What makes idle connections interchangeable: the same route to the same destination.
    struct Key: Hashable {
        var route: String
        var host: String
        var port: Int
    }

    private let eventLoop: any EventLoop
    private let maxIdlePerKey: Int
    private let maxIdleTotal: Int
    private let idleTimeout: TimeAmount
    /// A key's idle connections, most recently returned last. A list is a reference, so taking and returning a
    /// connection hash the key once and never copy the list; empty lists stay until the next sweep.
    private final class IdleList {
        var connections: [UpstreamHTTPConnection] = []
    }

    private var idle: [Key: IdleList] = [:]
    /// Connections in `idle`, across keys.
    private(set) var idleCount = 0
    /// Keys with a list, empty or not: a forward proxy meets many destinations, and this must not grow with them.
    var keysHeld: Int { idle.count }
    private var sweeper: RepeatedTask?

    init(eventLoop: any EventLoop, maxIdlePerKey: Int, maxIdleTotal: Int, idleTimeout: TimeAmount) {
        self.eventLoop = eventLoop
        self.maxIdlePerKey = maxIdlePerKey
        self.maxIdleTotal = maxIdleTotal
        self.idleTimeout = idleTimeout
    }

    /// The most recently returned live connection for `key`, if any.
    func take(_ key: Key) -> UpstreamHTTPConnection? {
        eventLoop.preconditionInEventLoop()
        guard let list = idle[key] else { return nil }
        let now = eventLoop.now
        while let connection = list.connections.popLast() {
            idleCount -= 1
            connection.pool = nil
            if !connection.isClosed, connection.channel.isActive, !isExpired(connection, at: now) { return connection }
            connection.close()
        }
        return nil
    }

    /// Keeps `connection` for reuse, or closes it when its key, or the pool as a whole, already holds enough.
    func put(_ connection: UpstreamHTTPConnection) {
        eventLoop.preconditionInEventLoop()
        connection.delegate = nil
        connection.responseDeadline.clear()
        // A list is made only for a connection that is kept: refused ones must not leave empty lists behind.
        let list = idle[connection.key]
        guard !connection.isClosed, idleCount < maxIdleTotal, (list?.connections.count ?? 0) < maxIdlePerKey else {
            connection.close()
            return
        }
        (list ?? newList(for: connection.key)).connections.append(connection)
        idleCount += 1
        connection.idleSince = eventLoop.now
        connection.pool = self
        if sweeper == nil {
            let period = TimeAmount.nanoseconds(max(1, idleTimeout.nanoseconds / 2))
            let pool = NIOLoopBound(self, eventLoop: eventLoop)
            sweeper = eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in pool.value.sweep() }
        }
    }

    private func newList(for key: Key) -> IdleList {
        let list = IdleList()
        idle[key] = list
        return list
    }

    /// Forgets an idle connection that closed.
    func remove(_ connection: UpstreamHTTPConnection) {
        guard let list = idle[connection.key], let index = list.connections.firstIndex(where: { $0 === connection })
        else { return }
        list.connections.remove(at: index)
        idleCount -= 1
    }

    private func isExpired(_ connection: UpstreamHTTPConnection, at now: NIODeadline) -> Bool {
        now - connection.idleSince >= idleTimeout
    }

    /// Closes the connections idle for longer than the timeout.
    private func sweep() {
        let now = eventLoop.now
        let expired = idle.values.flatMap { $0.connections.filter { isExpired($0, at: now) } }
        for connection in expired {
            remove(connection)
            connection.pool = nil
            connection.close()
        }
        idle = idle.filter { !$0.value.connections.isEmpty }
        if idleCount == 0 {
            sweeper?.cancel()
            sweeper = nil
        }
    }
}
