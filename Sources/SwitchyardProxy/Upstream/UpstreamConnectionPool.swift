import NIOCore

/// Idle keep-alive connections to upstreams, keyed by (egress route, destination), for one event loop.
///
/// Confined to its event loop, so it takes no locks: an exchange only ever reuses connections that live on
/// its own loop. At most `maxIdlePerKey` connections wait per key and `maxIdleTotal` in all (extra ones are
/// closed), and each is closed after `idleTimeout` unused.
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
    private var idle: [Key: [UpstreamHTTPConnection]] = [:]
    /// Connections in `idle`, across keys.
    private(set) var idleCount = 0

    init(eventLoop: any EventLoop, maxIdlePerKey: Int, maxIdleTotal: Int, idleTimeout: TimeAmount) {
        self.eventLoop = eventLoop
        self.maxIdlePerKey = maxIdlePerKey
        self.maxIdleTotal = maxIdleTotal
        self.idleTimeout = idleTimeout
    }

    /// The most recently returned live connection for `key`, if any.
    func take(_ key: Key) -> UpstreamHTTPConnection? {
        eventLoop.preconditionInEventLoop()
        while let connection = idle[key]?.popLast() {
            if idle[key]?.isEmpty == true { idle[key] = nil }
            idleCount -= 1
            connection.idleExpiry?.cancel()
            connection.idleExpiry = nil
            connection.pool = nil
            if !connection.isClosed, connection.channel.isActive { return connection }
            connection.close()
        }
        return nil
    }

    /// Keeps `connection` for reuse, or closes it when its key, or the pool as a whole, already holds enough.
    func put(_ connection: UpstreamHTTPConnection) {
        eventLoop.preconditionInEventLoop()
        connection.delegate = nil
        guard !connection.isClosed, idleCount < maxIdleTotal,
            idle[connection.key, default: []].count < maxIdlePerKey
        else {
            connection.close()
            return
        }
        idle[connection.key, default: []].append(connection)
        idleCount += 1
        connection.idleExpiry = eventLoop.assumeIsolated().scheduleTask(in: idleTimeout) { [self] in
            self.remove(connection)
            connection.close()
        }
        connection.pool = self
    }

    /// Forgets an idle connection that closed (or expired).
    func remove(_ connection: UpstreamHTTPConnection) {
        guard var list = idle[connection.key], let index = list.firstIndex(where: { $0 === connection }) else { return }
        list.remove(at: index)
        idleCount -= 1
        idle[connection.key] = list.isEmpty ? nil : list
    }
}
