import SwitchyardConfig
import Testing

@testable import SwitchyardRuntime

/// Schedule triggers read the clock in their own zone, daylight saving time included.
@Suite struct TriggerScheduleTests {
    /// 2026-12-04 08:00 UTC (a Friday, 09:00 in Paris, winter time) and 2026-07-03 07:00 UTC (a Friday, 09:00 in
    /// Paris, summer time), in minutes since the epoch.
    static let winterMorning = 29_939_520
    static let summerMorning = 29_717_700

    @Test func nineOClockInParisIsEightOrSevenInUTC() throws {
        let paris = TriggerSettings.Schedule(cron: try CronExpression(parsing: "0 9 * * 1-5"), zone: "Europe/Paris")
        let utc = TriggerSettings.Schedule(cron: try CronExpression(parsing: "0 9 * * 1-5"))
        #expect(SwitchyardRuntime.scheduleMatches(paris, atMinute: Self.winterMorning))
        #expect(SwitchyardRuntime.scheduleMatches(paris, atMinute: Self.summerMorning))
        #expect(!SwitchyardRuntime.scheduleMatches(paris, atMinute: Self.winterMorning + 60))
        #expect(!SwitchyardRuntime.scheduleMatches(utc, atMinute: Self.winterMorning))
        #expect(SwitchyardRuntime.scheduleMatches(utc, atMinute: Self.winterMorning + 60))
        // Saturday morning: not a weekday.
        #expect(!SwitchyardRuntime.scheduleMatches(paris, atMinute: Self.winterMorning + 24 * 60))
    }
}
