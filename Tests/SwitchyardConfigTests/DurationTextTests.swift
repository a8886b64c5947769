import Testing

@testable import SwitchyardConfig

@Suite struct DurationTextTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("5m", .seconds(300)), ("1h", .seconds(3600)),
        ("1m30s", .seconds(90)), ("1h2m3s", .seconds(3723)), ("250us", .microseconds(250)), ("7ns", .nanoseconds(7)),
        ("0s", .zero), ("1.5s", .milliseconds(1500)), ("0.25h", .seconds(900)), ("2.5ms", .microseconds(2500)),
        ("1m0.5s", .milliseconds(60_500)), ("0.000000001s", .nanoseconds(1)),
    ])
    func parsesUnits(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(arguments: ["", "30", "s", "30x", "1.5", ".5s", "1.s", "1.0000000001s", "-5s", "5 s", "m5", "30S", "99999999999999999999h"])
    func rejectsMalformedText(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test(arguments: [
        (Duration.seconds(30), "30s"), (.seconds(90), "1m30s"), (.seconds(300), "5m"), (.seconds(3600), "1h"),
        (.milliseconds(500), "500ms"), (.milliseconds(1500), "1s500ms"), (.zero, "0s"), (.seconds(-2), "-2s"),
    ])
    func formatsShortestText(duration: Duration, expected: String) {
        #expect(DurationText.format(duration) == expected)
        #expect(DurationText.parse(DurationText.format(duration)) == duration || duration < .zero)
    }

    @Test func bareNumberErrorSuggestsAUnit() {
        let found = issues(
            in: minimalYAML.replacing("pool: outbound", with: "pool: outbound\n    timeouts: { idle: 60 }"))
        #expect(found.count == 1)
        #expect(found.first?.path == "listeners[0].timeouts.idle")
        #expect(found.first?.message.contains("\"60s\"") == true)
    }

    @Test func unparseableDurationNamesTheField() {
        let found = issues(in: minimalYAML + "    keepalive: { idle_timeout: soon }\n")
        #expect(found.map(\.path) == ["pools.outbound.keepalive.idle_timeout"])
        #expect(found.first?.message.contains("is not a duration") == true)
    }
}
