import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The event loops of one `workers` setting, and how many client connections accepted on them are still open.
///
/// The runtime serves new connections on one worker group. A reload that changes `workers` makes a new group for
/// new connections and retires the old one: connections and tunnels open on it finish on the loops they started on,
/// and the group shuts down (its threads end, its timers are cancelled, its idle upstream connections close) once the
/// last of them has closed, or when the grace period is over, closing whatever is left.
final class WorkerGroup: Sendable {
    /// The event loops; the pools, health checks and listeners built for this group run on them.
    let loops: MultiThreadedEventLoopGroup
    /// The number of threads (`workers`, with 0 resolved to the core count).
    let threads: Int
    /// Client connections accepted on these loops and not yet closed.
    private let openConnections = Atomic<Int>(0)
    /// Set once `retire` has shut the loops down.
    private let stopped = Atomic<Bool>(false)

    /// Starts `threads` event loops (`workers: 0` means one per core).
    init(workers: Int) {
        threads = Self.threads(forWorkers: workers)
        loops = MultiThreadedEventLoopGroup(numberOfThreads: threads)
    }

    /// The thread count a `workers` setting asks for.
    static func threads(forWorkers workers: Int) -> Int {
        workers > 0 ? workers : System.coreCount
    }

    /// The loops, for building pools and health checks on.
    var eventLoops: [any EventLoop] {
        Array(loops.makeIterator())
    }

    /// Whether `retire` has shut the loops down.
    var isShutDown: Bool {
        stopped.load(ordering: .acquiring)
    }

    /// Counts a client connection accepted on these loops until it closes.
    func track(_ channel: any Channel) {
        openConnections.add(1, ordering: .relaxed)
        channel.closeFuture.whenComplete { _ in self.openConnections.subtract(1, ordering: .relaxed) }
    }

    /// Waits until every client connection accepted on these loops has closed, or `grace` has passed, then shuts
    /// the loops down; shutting down closes every channel still open on them (client connections past the grace,
    /// their upstream connections, idle pooled ones) and cancels their timers.
    ///
    /// It looks every 50 ms rather than being woken by the last close: a retired group is rare (a `workers`
    /// change) and the look is one atomic load, while a wake-up would put a lock on every connection's close.
    func retire(grace: Duration, logger: Logger) async {
        let deadline = ContinuousClock.now + grace
        while openConnections.load(ordering: .relaxed) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let remaining = openConnections.load(ordering: .relaxed)
        if remaining > 0 {
            logger.warning(
                "retired workers' grace period over: closing remaining connections",
                metadata: ["connections": "\(remaining)", "grace": "\(grace)"])
        }
        try? await loops.shutdownGracefully()
        stopped.store(true, ordering: .releasing)
        logger.info("retired workers stopped", metadata: ["threads": "\(threads)"])
    }
}
