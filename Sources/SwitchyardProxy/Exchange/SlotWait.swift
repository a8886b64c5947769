import NIOCore
import SwitchyardTraffic

/// A request (or tunnel) waiting in its pool's queue for a free connection slot, with the timer that ends the wait.
/// Exactly one of `resumed` and `expired` runs, unless `cancel()` comes first; a wake-up that finds the wait
/// cancelled passes the freed slot on to the next waiter.
final class SlotWait {
    private let pending: PendingPick
    private var waiter: ConnectionWaitQueue.Waiter?
    private var timer: Scheduled<Void>?
    private var isDone = false

    private init(pending: PendingPick) {
        self.pending = pending
    }

    /// Joins the queue until `deadline`. On a wake-up, `resumed` gets the pick tried again (which may be another
    /// wait); at the deadline, `expired` runs. Nil when the queue is full.
    static func enqueue(
        _ pending: PendingPick, until deadline: NIODeadline, on eventLoop: any EventLoop,
        resumed: @escaping (RequestPlan) -> Void, expired: @escaping () -> Void
    ) -> SlotWait? {
        let wait = SlotWait(pending: pending)
        let bound = NIOLoopBound((wait: wait, resumed: resumed), eventLoop: eventLoop)
        let waiter = ConnectionWaitQueue.Waiter {
            eventLoop.execute { bound.value.wait.wake(bound.value.resumed) }
        }
        guard pending.queue.enqueue(waiter, class: pending.queueClass) else { return nil }
        wait.waiter = waiter
        wait.timer = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            guard !wait.isDone, pending.queue.remove(waiter) else { return }
            wait.isDone = true
            expired()
        }
        return wait
    }

    private func wake(_ resumed: (RequestPlan) -> Void) {
        guard !isDone else { return pending.queue.wakeNext() }  // gone: pass the chance on
        isDone = true
        timer?.cancel()
        resumed(pending.resume())
    }

    /// Leaves the queue (the client went away).
    func cancel() {
        guard !isDone else { return }
        isDone = true
        timer?.cancel()
        if let waiter { _ = pending.queue.remove(waiter) }  // when already dequeued, `wake` passes it on
    }
}
