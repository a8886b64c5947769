/// Admits at most `limit` requests in any `window`, estimated from counts in ten slots per window: the slots wholly
/// inside the window ending now, plus the oldest slot weighted by how much of it still overlaps that window.
///
/// Eleven counters per limiter however high the limit. The estimate assumes the requests within one slot were evenly
/// spread, so it errs by at most a tenth of a window's worth, and only while a slot is sliding out. (With two fixed
/// windows instead of ten slots, a client that saturates the limit from mid-window gets up to twice the limit in its
/// first window, and about 1.2 × the limit per window over five.)
///
/// Thread-safety: safe from any thread; one short lock per call.
public final class SlidingWindowLimiter: RateLimiter {
    /// Slots per window: more is more exact and costs a counter each.
    private static let slotsPerWindow: UInt64 = 10

    private struct Counts {
        /// The newest slot (clock reading / slot width) the counts are up to date for.
        var slot: UInt64 = 0
        /// Requests admitted per slot, slot `n` at `n % count`: the current slot and the `slotsPerWindow` before it.
        var perSlot = [Int](repeating: 0, count: Int(SlidingWindowLimiter.slotsPerWindow + 1))

        subscript(slot: UInt64) -> Int {
            get { perSlot[Int(slot % UInt64(perSlot.count))] }
            set { perSlot[Int(slot % UInt64(perSlot.count))] = newValue }
        }

        /// Clears the slots that passed since the last call.
        mutating func advance(to now: UInt64) {
            guard now > slot else { return }
            for passed in (slot + 1)...min(now, slot + UInt64(perSlot.count)) { self[passed] = 0 }
            slot = now
        }
    }

    private let limit: Int
    private let slotWidth: UInt64
    private let clock: any MonotonicClock
    private let counts = LockedValue(Counts())

    /// - Parameters:
    ///   - limit: requests admitted per window, at least 1.
    ///   - window: the window's length, more than zero.
    public init(limit: Int, window: Duration, clock: any MonotonicClock = SystemClock()) {
        precondition(limit >= 1 && window.monotonicNanoseconds > 0, "a sliding window needs a limit and a length")
        self.limit = limit
        self.slotWidth = max(1, window.monotonicNanoseconds / Self.slotsPerWindow)
        self.clock = clock
    }

    public func tryAcquire() -> RateLimitDecision {
        counts.withLock { counts in
            let now = clock.nanoseconds()
            let slot = now / slotWidth
            counts.advance(to: slot)
            var offset = now % slotWidth
            // The slot `slotsPerWindow` back (at `slot + 1` in the ring) overlaps the window by `1 - offset / width`.
            var oldest = counts[slot + 1]
            var whole = counts.perSlot.reduce(0, +) - oldest
            if fits(whole: whole, oldest: oldest, offset: offset) {
                counts[slot] += 1
                return .allowed
            }
            // Walk forward slot by slot until the counts sliding out leave room for one more request; once every slot
            // counted now has slid out, there is room.
            var wait: UInt64 = 0
            for step in 1...(Self.slotsPerWindow + 1) {
                if wait > 0, fits(whole: whole, oldest: oldest, offset: offset) { break }
                let room = limit - 1 - whole
                if room >= 0, oldest > 0 {
                    // The first offset at which oldest × (width − offset) ≤ room × width.
                    let needed = slotWidth - UInt64(Int128(room) * Int128(slotWidth) / Int128(oldest))
                    if needed < slotWidth { return .refused(retryAfter: .nanoseconds(Int64(wait + needed - offset))) }
                }
                wait += slotWidth - offset
                offset = 0
                oldest = step <= Self.slotsPerWindow ? counts[slot + step + 1] : 0
                whole -= oldest
            }
            return .refused(retryAfter: .nanoseconds(Int64(max(1, wait))))
        }
    }

    /// Whether one more request fits with `whole` requests in the slots inside the window and `oldest` in the slot
    /// sliding out, `offset` nanoseconds into the current slot.
    private func fits(whole: Int, oldest: Int, offset: UInt64) -> Bool {
        let room = limit - 1 - whole
        return room >= 0 && Int128(oldest) * Int128(slotWidth - offset) <= Int128(room) * Int128(slotWidth)
    }
}
