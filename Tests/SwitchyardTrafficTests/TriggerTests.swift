import SwitchyardTraffic
import Testing

@Suite struct TriggerTests {
    private static let second = Duration.seconds(1).monotonicNanoseconds

    /// Feeds `readings` (value, second) to `trigger`; returns whether each fired and the phase after it.
    private func feed(_ trigger: inout ThresholdTrigger, _ readings: [(Double, UInt64)]) -> [String] {
        readings.map { value, at in
            let fired = trigger.observe(value, at: at * Self.second)
            return fired ? "FIRE" : trigger.phase.rawValue
        }
    }

    @Test func firesAfterTheDurationThenWaitsForTheClearLevel() {
        var trigger = ThresholdTrigger(above: true, threshold: 10, clear: 5, duration: .seconds(2), cooldown: .zero)
        // Below the threshold but above the clear level it stays fired: no second firing on the next crossing.
        let phases = feed(&trigger, [(11, 0), (12, 1), (12, 2), (7, 3), (20, 4), (5, 5), (20, 6), (20, 8)])
        #expect(phases == ["pending", "pending", "FIRE", "fired", "fired", "armed", "pending", "FIRE"])
    }

    @Test func aCrossingThatDoesNotLastResets() {
        var trigger = ThresholdTrigger(above: false, threshold: 2, clear: nil, duration: .seconds(2), cooldown: .zero)
        let phases = feed(&trigger, [(1, 0), (2, 1), (1, 2), (1, 3), (0, 4)])
        #expect(phases == ["pending", "armed", "pending", "pending", "FIRE"])
    }

    @Test func theCooldownHoldsASecondFiringUntilItIsOver() {
        var trigger = ThresholdTrigger(above: true, threshold: 0, clear: nil, duration: .zero, cooldown: .seconds(5))
        let phases = feed(&trigger, [(1, 0), (0, 1), (1, 2), (1, 4), (1, 5)])
        #expect(phases == ["FIRE", "armed", "pending", "pending", "FIRE"])
        var cooldown = Cooldown(.seconds(60))
        let permits = [0, 59, 60].map { cooldown.permit(at: $0 * Self.second) }
        #expect(permits == [true, false, true])
    }

    @Test func theCounterWindowGivesRatesOverItsSpan() {
        var window = CounterWindow(window: .seconds(10))
        #expect(window.requestRate == 0 && window.errorRate == 0)
        for tick in 0...20 {
            // 10 requests a second, 1 in 10 failing for the first 10 s, then none failing.
            window.record(requests: tick * 10, failures: min(tick, 10), at: UInt64(tick) * Self.second)
        }
        #expect(window.requestRate == 10)
        #expect(window.errorRate == 0)
        window.record(requests: 210, failures: 20, at: 21 * Self.second)
        #expect(window.errorRate == 0.1)
    }
}
