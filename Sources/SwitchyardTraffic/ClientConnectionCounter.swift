import Synchronization

/// Counts a listener's open connections per client address against one limit each, so that no single client can
/// hold more than its share of the listener's slots (HAProxy's `src_conn_cur` rule, Envoy's per-downstream limit).
///
/// Only addresses with open connections are kept: the table never grows past the listener's own connection limit.
/// Thread-safety: all members may be called from any thread at the same time.
public final class ClientConnectionCounter: Sendable {
    /// The most connections one client address may have open.
    public let limit: Int
    private let table: Table

    /// Open connections by client address, shared by the counters made with `withLimit(_:)`.
    private final class Table: Sendable {
        let open = Mutex<[String: Int]>([:])
    }

    /// - Parameter limit: at least 1.
    public convenience init(limit: Int) {
        self.init(limit: limit, table: Table())
    }

    private init(limit: Int, table: Table) {
        precondition(limit >= 1, "a per-client limit admits at least one connection")
        self.limit = limit
        self.table = table
    }

    /// A counter with `limit` over the same open connections as this one (a reload that changes the limit keeps
    /// counting what is open).
    public func withLimit(_ limit: Int) -> ClientConnectionCounter {
        ClientConnectionCounter(limit: limit, table: table)
    }

    /// Reserves a connection for `client` if it has fewer than `limit` open; the caller must `release` it later.
    public func tryAcquire(_ client: String) -> Bool {
        table.open.withLock { open in
            let count = open[client, default: 0]
            guard count < limit else { return false }
            open[client] = count + 1
            return true
        }
    }

    /// Gives back one connection reserved by `tryAcquire`.
    public func release(_ client: String) {
        table.open.withLock { open in
            guard let count = open[client] else { return }
            open[client] = count > 1 ? count - 1 : nil
        }
    }

    /// Connections `client` has open now.
    public func openConnections(of client: String) -> Int {
        table.open.withLock { $0[client, default: 0] }
    }
}
