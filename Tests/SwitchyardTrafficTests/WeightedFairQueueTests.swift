import SwitchyardTraffic
import Testing

struct WeightedFairQueueTests {
    @Test func busyClassesAreServedInProportionToTheirWeights() {
        var queue = WeightedFairQueue<String>(capacity: 1_000, weights: [3, 1])
        for index in 0..<200 {
            let gold = queue.enqueue("gold-\(index)", class: 0)
            let bronze = queue.enqueue("bronze-\(index)", class: 1)
            #expect(gold && bronze)
        }
        let served = (0..<200).compactMap { _ in queue.dequeue()?.class }
        #expect(served.filter { $0 == 0 }.count == 150)
        #expect(served.filter { $0 == 1 }.count == 50)
    }

    @Test func aClassAloneGetsEverythingAndEarnsNoCreditWhileIdle() {
        var queue = WeightedFairQueue<Int>(capacity: 100, weights: [1, 1])
        for index in 0..<10 { _ = queue.enqueue(index, class: 0) }
        #expect((0..<10).compactMap { _ in queue.dequeue()?.element } == Array(0..<10), "first come, first served")
        // Class 1 was idle all along: it now shares equally instead of catching up.
        for index in 0..<10 {
            _ = queue.enqueue(index, class: 0)
            _ = queue.enqueue(100 + index, class: 1)
        }
        let classes = (0..<10).compactMap { _ in queue.dequeue()?.class }
        #expect(classes.filter { $0 == 1 }.count == 5)
    }

    @Test func aFullQueueRefusesAndRemovalFreesRoom() {
        var queue = WeightedFairQueue<Int>(capacity: 2, weights: [1])
        let accepted = [queue.enqueue(1, class: 0), queue.enqueue(2, class: 0), queue.enqueue(3, class: 0)]
        #expect(accepted == [true, true, false])
        let removed = [queue.remove { $0 == 1 }, queue.remove { $0 == 1 }]
        #expect(removed == [true, false])
        let again = queue.enqueue(3, class: 0)
        #expect(again)
        let order = [queue.dequeue()?.element, queue.dequeue()?.element, queue.dequeue()?.element]
        #expect(order == [2, 3, nil] && queue.isEmpty)
    }

    @Test func waitQueueWakesWaitersInTurnAndPassesOverRemovedOnes() {
        let queue = ConnectionWaitQueue(
            capacity: 10, timeout: .seconds(1), classHeader: "X-Priority",
            classes: [("gold", 1), ("bronze", 1)], defaultClass: "bronze")
        #expect(queue.classHeader == "x-priority")
        #expect(queue.classIndex(named: "gold") == 0)
        #expect(queue.classIndex(named: "nope") == 1 && queue.classIndex(named: nil) == 1)
        let woken = LockedValue<[String]>([])
        let first = ConnectionWaitQueue.Waiter { woken.withLock { $0.append("first") } }
        let second = ConnectionWaitQueue.Waiter { woken.withLock { $0.append("second") } }
        #expect(queue.enqueue(first, class: 0) && queue.enqueue(second, class: 0))
        #expect(queue.hasWaiters)
        #expect(queue.remove(first))
        queue.wakeNext()
        queue.wakeNext()
        #expect(woken.withLock { $0 } == ["second"])
        #expect(!queue.hasWaiters)
    }
}
