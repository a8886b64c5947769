import DequeModule

/// A bounded queue shared by weighted classes (start-time fair queueing): while several classes have waiters, each
/// is served in proportion to its weight; a class alone gets everything. Within a class, first come, first served.
///
/// Each waiter gets a virtual finish tag when it arrives — its class's last tag (or the queue's virtual time, when
/// the class was idle) plus `1 / weight` — and `dequeue` serves the smallest tag. An idle class earns no credit.
///
/// Thread-safety: a value type with no synchronisation; keep it behind a lock (`LockedValue`).
public struct WeightedFairQueue<Element: Sendable>: Sendable {
    private struct Waiter: Sendable {
        var element: Element
        var start: Double
        var finish: Double
    }

    private struct Lane: Sendable {
        var weight: Double
        var lastFinish: Double = 0
        var waiters = Deque<Waiter>()
    }

    /// The most waiters held at once.
    public let capacity: Int
    private var lanes: [Lane]
    private var virtualTime: Double = 0
    public private(set) var count = 0

    /// - Parameters:
    ///   - weights: one weight (at least 1) per class; classes are referred to by index.
    public init(capacity: Int, weights: [Int]) {
        precondition(weights.allSatisfy { $0 >= 1 }, "class weights must be at least 1")
        self.capacity = capacity
        self.lanes = weights.map { Lane(weight: Double($0)) }
    }

    public var isEmpty: Bool { count == 0 }

    /// Adds `element` at the back of class `lane`.
    /// - Returns: false, adding nothing, when the queue is full.
    public mutating func enqueue(_ element: Element, class lane: Int) -> Bool {
        guard count < capacity else { return false }
        let start = max(virtualTime, lanes[lane].lastFinish)
        let finish = start + 1 / lanes[lane].weight
        lanes[lane].lastFinish = finish
        lanes[lane].waiters.append(Waiter(element: element, start: start, finish: finish))
        count += 1
        return true
    }

    /// Removes and returns the waiter to serve next, with its class; nil when empty.
    public mutating func dequeue() -> (element: Element, class: Int)? {
        var best: Int?
        for index in lanes.indices {
            guard let head = lanes[index].waiters.first else { continue }
            if best == nil || head.finish < lanes[best!].waiters.first!.finish { best = index }
        }
        guard let best, let waiter = lanes[best].waiters.popFirst() else { return nil }
        virtualTime = max(virtualTime, waiter.start)
        count -= 1
        return (waiter.element, best)
    }

    /// Removes the first waiter of any class for which `matches` holds.
    /// - Returns: whether one was removed.
    public mutating func remove(where matches: (Element) -> Bool) -> Bool {
        for lane in lanes.indices {
            if let position = lanes[lane].waiters.firstIndex(where: { matches($0.element) }) {
                lanes[lane].waiters.remove(at: position)
                count -= 1
                return true
            }
        }
        return false
    }
}
