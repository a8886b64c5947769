import SwitchyardTraffic
import Testing

struct RetryAfterTests {
    @Test func readsSecondsAndHTTPDates() {
        #expect(RetryAfter.parse("2", now: 0) == .seconds(2))
        #expect(RetryAfter.parse(" 120 ", now: 0) == .seconds(120))
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_777 - 30) == .seconds(30))
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: 784_111_777 + 5) == .zero, "a past date means now")
    }

    @Test func rejectsAnythingElse() {
        for value in ["", "-1", "soon", "1.5", "Sun, 06 Nov 1994 08:49:37 PST", "Sunday, 06-Nov-94 08:49:37 GMT"] {
            #expect(RetryAfter.parse(value, now: 0) == nil, "\(value)")
        }
    }
}
