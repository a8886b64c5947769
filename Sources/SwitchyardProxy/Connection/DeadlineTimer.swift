import NIOCore

/// One deadline on an event loop that can be set and moved on every request without scheduling a timer each time.
///
/// A timer is scheduled only when the new deadline is earlier than the one already scheduled (or none is); a timer
/// that fires before the current deadline re-arms itself for it. A keep-alive connection that moves its deadline
/// forward on every request thus schedules about one timer per timeout period instead of one per request, and a
/// tunnel that moves its deadline on every read none at all. A connection that becomes a tunnel hands its timer to
/// the relay (`expired` is replaced), so no timer is cancelled and scheduled again in between: cancelling one costs
/// a scan of the event loop's pending timers. Confined to its event loop.
final class DeadlineTimer {
    private let eventLoop: any EventLoop
    /// Called on the loop when the deadline passes (once per deadline set); its owner may replace it.
    var expired: () -> Void
    /// When `expired` is due; nil when nothing is.
    private var deadline: NIODeadline?
    /// The pending timer and when it fires.
    private var scheduled: (task: Scheduled<Void>, at: NIODeadline)?

    init(eventLoop: any EventLoop, expired: @escaping () -> Void) {
        self.eventLoop = eventLoop
        self.expired = expired
    }

    /// Sets (or moves) the deadline.
    func set(_ newDeadline: NIODeadline) {
        deadline = newDeadline
        if let scheduled, scheduled.at <= newDeadline { return }
        arm(at: newDeadline)
    }

    /// Nothing is due any more; a pending timer fires idle.
    func clear() {
        deadline = nil
    }

    /// Stops the timer for good (the connection is closing).
    func cancel() {
        deadline = nil
        scheduled?.task.cancel()
        scheduled = nil
    }

    private func arm(at time: NIODeadline) {
        scheduled?.task.cancel()
        let task = eventLoop.assumeIsolated().scheduleTask(deadline: time) { [self] in fire() }
        scheduled = (task, time)
    }

    private func fire() {
        scheduled = nil
        guard let deadline else { return }
        if deadline <= eventLoop.now {
            self.deadline = nil
            expired()
        } else {
            arm(at: deadline)
        }
    }
}
