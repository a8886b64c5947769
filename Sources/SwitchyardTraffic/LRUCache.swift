/// A map with a fixed capacity that evicts its least recently used entry to make room, in O(1) per operation.
///
/// Entries live in one array linked into a recency list by index, so a full cache allocates nothing per insert.
/// Thread-safety: a value type with no synchronisation; callers guard it (the keyed limiters and the sticky-session
/// table keep it in a `LockedValue`).
public struct LRUCache<Key: Hashable, Value> {
    fileprivate struct Node {
        var key: Key
        var value: Value
        var newer = -1
        var older = -1
    }

    public let capacity: Int
    private var nodes: [Node] = []
    private var indices: [Key: Int] = [:]
    private var newest = -1
    private var oldest = -1

    public init(capacity: Int) {
        precondition(capacity > 0, "an LRU cache needs room for at least one entry")
        self.capacity = capacity
    }

    public var count: Int { indices.count }

    /// The least recently used entry, left where it is; nil when the cache is empty.
    public var oldestEntry: (key: Key, value: Value)? {
        oldest >= 0 ? (nodes[oldest].key, nodes[oldest].value) : nil
    }

    /// Up to `limit` entries, from the most to the least recently used.
    public func newestFirst(limit: Int = .max) -> [(key: Key, value: Value)] {
        var entries: [(key: Key, value: Value)] = []
        entries.reserveCapacity(min(limit, nodes.count))
        var index = newest
        while index >= 0, entries.count < limit {
            entries.append((nodes[index].key, nodes[index].value))
            index = nodes[index].older
        }
        return entries
    }

    /// The value for `key`, left where it is in the recency order.
    public func peekValue(for key: Key) -> Value? {
        indices[key].map { nodes[$0].value }
    }

    /// The value for `key`, which becomes the most recently used entry.
    public mutating func value(for key: Key) -> Value? {
        guard let index = indices[key] else { return nil }
        touch(index)
        return nodes[index].value
    }

    /// Stores `value` as the most recently used entry, evicting the least recently used one if the cache is full.
    public mutating func set(_ value: Value, for key: Key) {
        if let index = indices[key] {
            nodes[index].value = value
            touch(index)
            return
        }
        if indices.count == capacity {
            removeValue(for: nodes[oldest].key)
        }
        nodes.append(Node(key: key, value: value))
        indices[key] = nodes.count - 1
        pushNewest(nodes.count - 1)
    }

    public mutating func removeValue(for key: Key) {
        guard let index = indices.removeValue(forKey: key) else { return }
        unlink(index)
        let last = nodes.count - 1
        if index != last {
            nodes[index] = nodes[last]
            indices[nodes[index].key] = index
            let (newer, older) = (nodes[index].newer, nodes[index].older)
            if newer >= 0 { nodes[newer].older = index } else { newest = index }
            if older >= 0 { nodes[older].newer = index } else { oldest = index }
        }
        nodes.removeLast()
    }

    private mutating func touch(_ index: Int) {
        guard index != newest else { return }
        unlink(index)
        pushNewest(index)
    }

    private mutating func unlink(_ index: Int) {
        let (newer, older) = (nodes[index].newer, nodes[index].older)
        if newer >= 0 { nodes[newer].older = older } else { newest = older }
        if older >= 0 { nodes[older].newer = newer } else { oldest = newer }
    }

    private mutating func pushNewest(_ index: Int) {
        nodes[index].newer = -1
        nodes[index].older = newest
        if newest >= 0 { nodes[newest].newer = index } else { oldest = index }
        newest = index
    }
}

extension LRUCache: Sendable where Key: Sendable, Value: Sendable {}
extension LRUCache.Node: Sendable where Key: Sendable, Value: Sendable {}
