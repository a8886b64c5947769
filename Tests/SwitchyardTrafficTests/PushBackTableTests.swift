import SwitchyardTraffic
import Testing

struct PushBackTableTests {
    @Test func aPushBackLastsUntilItsTimeIsUpForThatTargetAndHostOnly() {
        let clock = ManualClock()
        let table = PushBackTable<Int>(clock: clock)
        table.pushBack(target: 1, host: "api.example.com", for: .seconds(30))
        #expect(table.pushBackRemaining(target: 1, host: "api.example.com") != nil)
        #expect(table.pushBackRemaining(target: 2, host: "api.example.com") == nil)
        #expect(table.pushBackRemaining(target: 1, host: "other.example.com") == nil)
        clock.advance(by: .milliseconds(29_999))
        #expect(table.pushBackRemaining(target: 1, host: "api.example.com") != nil)
        clock.advance(by: .milliseconds(1))
        #expect(table.pushBackRemaining(target: 1, host: "api.example.com") == nil)
        #expect(table.count == 0, "an expired entry is dropped when looked up")
        table.pushBack(target: 1, host: "api.example.com", for: .seconds(5))
        #expect(table.pushBackRemaining(target: 1, host: "api.example.com") == .seconds(5), "an emptied table fills again")
    }

    @Test func aShorterPushBackDoesNotShortenALongerOneAndMaxPushBackCapsBoth() {
        let clock = ManualClock()
        let table = PushBackTable<Int>(maxPushBack: .seconds(60), clock: clock)
        table.pushBack(target: 1, host: "h", for: .seconds(86_400))
        table.pushBack(target: 1, host: "h", for: .seconds(5))
        clock.advance(by: .seconds(59))
        #expect(table.pushBackRemaining(target: 1, host: "h") != nil)
        clock.advance(by: .seconds(1))
        #expect(table.pushBackRemaining(target: 1, host: "h") == nil)
    }

    @Test func theTableHoldsAtMostItsCapacity() {
        let clock = ManualClock()
        let table = PushBackTable<Int>(capacity: 100, clock: clock)
        for index in 0..<10_000 { table.pushBack(target: index % 7, host: "host-\(index)", for: .seconds(30)) }
        #expect(table.count == 100)
        #expect(table.pushBackRemaining(target: 9_999 % 7, host: "host-9999") != nil)
        #expect(table.pushBackRemaining(target: 0, host: "host-0") == nil, "the oldest entries made room")
    }
}
