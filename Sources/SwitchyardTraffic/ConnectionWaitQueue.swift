import Atomics

/// Requests of one pool waiting for a connection slot, in weighted priority classes (`WeightedFairQueue`): whoever
/// frees a slot calls `wakeNext()`, which hands the chance to the waiter whose turn it is.
///
/// While anyone waits, newcomers queue too (`hasWaiters`), so a freed slot goes to the queue rather than to
/// whichever request happens to arrive first.
///
/// Thread-safety: safe from any thread; one short lock per call, and `hasWaiters` is a lock-free read.
public final class ConnectionWaitQueue: Sendable {
    /// One waiting request. `wake` runs on the thread that freed the slot; it should hop to the request's own
    /// thread and try again, and call `wakeNext()` if the request is gone.
    public final class Waiter: Sendable {
        let wake: @Sendable () -> Void

        public init(wake: @escaping @Sendable () -> Void) {
            self.wake = wake
        }
    }

    /// How long a request may wait.
    public let timeout: Duration
    /// The header whose value names a request's class, lowercased; nil when classes come from routes only.
    public let classHeader: String?
    private let classIndex: [String: Int]
    private let defaultClass: Int
    private let queue: LockedValue<WeightedFairQueue<Waiter>>
    private let waiting = ManagedAtomic<Int>(0)

    /// - Parameters:
    ///   - classes: class names and weights, in order; `defaultClass` must be one of them.
    public init(
        capacity: Int, timeout: Duration, classHeader: String?, classes: [(name: String, weight: Int)],
        defaultClass: String
    ) {
        self.timeout = timeout
        self.classHeader = classHeader?.lowercased()
        self.classIndex = Dictionary(
            classes.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.defaultClass = classIndex[defaultClass] ?? 0
        self.queue = LockedValue(WeightedFairQueue(capacity: capacity, weights: classes.map(\.weight)))
    }

    /// Whether anyone is waiting now.
    public var hasWaiters: Bool {
        waiting.load(ordering: .relaxed) > 0
    }

    /// The class index for a request naming `className` (by header or route); the default class for nil or an
    /// unknown name.
    public func classIndex(named className: String?) -> Int {
        className.flatMap { classIndex[$0] } ?? defaultClass
    }

    /// Queues `waiter` in class `index`.
    /// - Returns: false when the queue is full.
    public func enqueue(_ waiter: Waiter, class index: Int) -> Bool {
        queue.withLock { queue in
            guard queue.enqueue(waiter, class: index) else { return false }
            waiting.wrappingIncrement(ordering: .relaxed)
            return true
        }
    }

    /// Takes `waiter` out of the queue (its wait timed out, or its client left).
    /// - Returns: false when it was no longer queued (it is being woken).
    public func remove(_ waiter: Waiter) -> Bool {
        queue.withLock { queue in
            guard queue.remove(where: { $0 === waiter }) else { return false }
            waiting.wrappingDecrement(ordering: .relaxed)
            return true
        }
    }

    /// Wakes the waiter whose turn it is, if any: call it whenever a connection slot of the pool is freed.
    public func wakeNext() {
        guard hasWaiters else { return }
        let next = queue.withLock { queue -> Waiter? in
            guard let (waiter, _) = queue.dequeue() else { return nil }
            waiting.wrappingDecrement(ordering: .relaxed)
            return waiter
        }
        next?.wake()
    }
}
