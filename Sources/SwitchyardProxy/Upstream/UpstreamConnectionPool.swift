import NIOCore

/// Idle keep-alive connections to upstreams, keyed by (egress route, destination), for one event loop.
///
/// Confined to its event loop, so it takes no locks: an exchange only ever reuses connections that live on
/// its own loop. At most `maxIdlePerKey` connections wait per key (extra ones are closed) and each is closed
/// after `idleTimeout` unused.
final class UpstreamConnectionPool {
    /// What makes idle connections interchangeable: the same route to the same destination.
    struct Key: Hashable {
        var route: String
        var host: String
        var port: Int
    }

    private let eventLoop: any EventLoop
    private let maxIdlePerKey: Int
    private let idleTimeout: TimeAmount
    private var idle: [Key: [UpstreamHTTPConnection]] = [:]

    init(eventLoop: any EventLoop, maxIdlePerKey: Int, idleTimeout: TimeAmount) {
        self.eventLoop = eventLoop
        self.maxIdlePerKey = maxIdlePerKey
        self.idleTimeout = idleTimeout
    }

    /// The most recently returned live connection for `key`, if any.
    func take(_ key: Key) -> UpstreamHTTPConnection? {
        eventLoop.preconditionInEventLoop()
        while let connection = idle[key]?.popLast() {
            connection.idleExpiry?.cancel()
            connection.idleExpiry = nil
            connection.pool = nil
            if !connection.isClosed, connection.channel.isActive { return connection }
        }
        return nil
    }

    /// Keeps `connection` for reuse, or closes it when its key already has enough idle connections.
    func put(_ connection: UpstreamHTTPConnection) {
        eventLoop.preconditionInEventLoop()
        connection.delegate = nil
        var list = idle[connection.key, default: []]
        list.removeAll { $0.isClosed }
        guard list.count < maxIdlePerKey, !connection.isClosed else {
            idle[connection.key] = list.isEmpty ? nil : list
            connection.close()
            return
        }
        list.append(connection)
        idle[connection.key] = list
        connection.idleExpiry = eventLoop.assumeIsolated().scheduleTask(in: idleTimeout) { [self] in
            self.expire(connection)
        }
        connection.pool = self
    }

    private func expire(_ connection: UpstreamHTTPConnection) {
        remove(connection)
        connection.close()
    }

    func remove(_ connection: UpstreamHTTPConnection) {
        guard var list = idle[connection.key] else { return }
        list.removeAll { $0 === connection }
        idle[connection.key] = list.isEmpty ? nil : list
    }

    /// Number of idle connections held, across keys.
    var idleCount: Int { idle.values.reduce(0) { $0 + $1.count } }
}
