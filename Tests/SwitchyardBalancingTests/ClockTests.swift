import SwitchyardTraffic
import Testing

@Suite struct ClockTests {
    @Test func manualClockMovesOnlyWhenAdvanced() {
        let clock = ManualClock(start: 5)
        #expect(clock.nanoseconds() == 5)
        clock.advance(by: .milliseconds(2))
        #expect(clock.nanoseconds() == 2_000_005)
        clock.advance(by: .seconds(3))
        #expect(clock.nanoseconds() == 3_002_000_005)
    }

    @Test func systemClockNeverGoesBackwards() {
        let clock = SystemClock()
        var previous = clock.nanoseconds()
        for _ in 0..<1_000 {
            let now = clock.nanoseconds()
            #expect(now >= previous)
            previous = now
        }
    }

    @Test func durationConvertsToWholeNanoseconds() {
        #expect(Duration.seconds(300).monotonicNanoseconds == 300_000_000_000)
        #expect(Duration.nanoseconds(7).monotonicNanoseconds == 7)
        #expect(Duration.seconds(-1).monotonicNanoseconds == 0)
        #expect(Duration.seconds(Int64.max).monotonicNanoseconds == .max)
    }
}
