import Dispatch
import SwitchyardStats
import SwitchyardTraffic
import Testing

/// Whether `reported` is within `relative` of `expected`, the precision of a latency histogram.
private func isClose(_ reported: Double, _ expected: Double, within relative: Double) -> Bool {
    abs(reported - expected) <= expected * relative
}

struct RequestStatsTests {
    @Test func freshStatisticsReportZeroEverywhere() {
        let clock = ManualClock()
        let stats = RequestStats(clock: clock)
        clock.advance(by: .seconds(30))
        #expect(stats.snapshot() == StatsSnapshot())
    }

    @Test func countsRequestsAndBytesInEveryWindow() {
        let clock = ManualClock()
        let stats = RequestStats(clock: clock)
        clock.advance(by: .seconds(5))
        stats.record(latency: .milliseconds(10), succeeded: true, bytesIn: 100, bytesOut: 1_000)
        stats.record(latency: .milliseconds(30), succeeded: false, bytesIn: 50, bytesOut: 0)
        stats.record(latency: .milliseconds(20), succeeded: true, bytesIn: 0, bytesOut: 24)
        clock.advance(by: .seconds(5))
        let snapshot = stats.snapshot()
        #expect(snapshot.last1m == snapshot.total && snapshot.last15m == snapshot.total)
        let total = snapshot.total
        #expect(total.requests == 3 && total.successes == 2 && total.failures == 1)
        #expect(total.bytesIn == 150 && total.bytesOut == 1_024)
        #expect(isClose(total.averageLatency, 0.020, within: 1e-9))
        #expect(isClose(total.p50Latency, 0.020, within: 1.0 / 32))
        #expect(isClose(total.p99Latency, 0.030, within: 1.0 / 32))
        #expect(total.requestsPerSecond == 0.3, "3 requests in 10 s of uptime")
    }

    @Test(arguments: [(1, 1.0 / 32), (2, 1.0 / 256)])
    func percentilesAreWithinTheHistogramsPrecision(digits: Int, precision: Double) {
        let stats = RequestStats(configuration: .init(latencySignificantDigits: digits), clock: ManualClock())
        for millisecond in (1...1_000).shuffled() {
            stats.record(latency: .milliseconds(millisecond), succeeded: true, bytesIn: 0, bytesOut: 0)
        }
        for window in [stats.snapshot().total, stats.snapshot().last1m, stats.snapshot().last15m] {
            #expect(isClose(window.averageLatency, 0.5005, within: 1e-9), "the average is exact")
            #expect(isClose(window.p50Latency, 0.500, within: precision))
            #expect(isClose(window.p99Latency, 0.990, within: precision))
        }
    }

    @Test func latenciesBeyondAnHourCountAsAnHourInThePercentilesOnly() {
        let stats = RequestStats(clock: ManualClock())
        stats.record(latency: .seconds(7_200), succeeded: true, bytesIn: 0, bytesOut: 0)
        let total = stats.snapshot().total
        #expect(total.averageLatency == 7_200)
        #expect(isClose(total.p99Latency, 3_600, within: 1.0 / 32))
    }

    @Test func trafficLeavesTheLastMinuteThenTheLast15Minutes() {
        let clock = ManualClock()
        let stats = RequestStats(clock: clock)
        stats.record(latency: .milliseconds(5), succeeded: true, bytesIn: 10, bytesOut: 20)
        clock.advance(by: .seconds(50))
        #expect(stats.snapshot().last1m.requests == 1, "the minute window covers at least 50 s")
        clock.advance(by: .seconds(11))
        var snapshot = stats.snapshot()
        #expect(snapshot.last1m == WindowStats(), "older than a minute")
        #expect(snapshot.last15m.requests == 1 && snapshot.last15m.bytesOut == 20)
        #expect(snapshot.total.requests == 1)
        clock.advance(by: .seconds(14 * 60 - 61))
        #expect(stats.snapshot().last15m.requests == 1, "the 15-minute window covers at least 14 minutes")
        clock.advance(by: .seconds(61))
        snapshot = stats.snapshot()
        #expect(snapshot.last15m == WindowStats(), "older than 15 minutes")
        #expect(snapshot.total.requests == 1 && snapshot.total.bytesIn == 10)
    }

    @Test func theLast15MinutesComeMinuteByMinuteOldestFirst() {
        let clock = ManualClock()
        let stats = RequestStats(clock: clock)
        stats.record(latency: .milliseconds(5), succeeded: true, bytesIn: 0, bytesOut: 0)
        clock.advance(by: .seconds(120))
        stats.record(latency: .milliseconds(40), succeeded: false, bytesIn: 0, bytesOut: 0)
        stats.record(latency: .milliseconds(40), succeeded: true, bytesIn: 0, bytesOut: 0)
        clock.advance(by: .seconds(30))
        let minutes = stats.minutes()
        #expect(minutes.count == 15)
        #expect(minutes[..<12].allSatisfy { $0 == nil }, "before the start")
        #expect(minutes[12]?.requests == 1 && minutes[12]?.failures == 0)
        #expect(minutes[13] == nil, "a minute with no record")
        #expect(minutes[14]?.requests == 2 && minutes[14]?.failures == 1)
        #expect(minutes[14].map { isClose($0.requestsPerSecond, 2.0 / 30, within: 0.01) } == true, "half a minute")
        #expect(minutes[14].map { isClose($0.p99Latency, 0.040, within: 1.0 / 32) } == true)
        clock.advance(by: .seconds(15 * 60))
        #expect(stats.minutes().allSatisfy { $0 == nil || $0?.requests == 0 }, "all older than 15 minutes")
    }

    @Test func oldBucketsAreClearedWhenTheirSlotComesRoundAgain() {
        let clock = ManualClock()
        let stats = RequestStats(clock: clock)
        stats.record(latency: .seconds(1), succeeded: false, bytesIn: 0, bytesOut: 0)
        clock.advance(by: .seconds(60 * 60 * 2))
        stats.record(latency: .milliseconds(1), succeeded: true, bytesIn: 0, bytesOut: 0)
        let snapshot = stats.snapshot()
        for window in [snapshot.last1m, snapshot.last15m] {
            #expect(window.requests == 1 && window.failures == 0)
            #expect(isClose(window.p99Latency, 0.001, within: 1.0 / 32))
        }
        #expect(snapshot.total.requests == 2 && snapshot.total.failures == 1)
    }

    @Test func requestsPerSecondDivideByTheTimeEachWindowCovers() {
        let clock = ManualClock()
        let stats = RequestStats(clock: clock)
        for _ in 0..<120 {
            stats.record(latency: .milliseconds(1), succeeded: true, bytesIn: 0, bytesOut: 0)
            clock.advance(by: .milliseconds(500))
        }
        let snapshot = stats.snapshot()
        #expect(snapshot.total.requestsPerSecond == 2)
        #expect(snapshot.last15m.requestsPerSecond == 2, "a young process: the window covers its uptime")
        #expect(snapshot.last1m.requests == 100 && snapshot.last1m.requestsPerSecond == 2, "50 s covered at 60 s")
    }

    @Test func maxConcurrencyIsKeptPerWindow() {
        let clock = ManualClock()
        let stats = RequestStats(clock: clock)
        for _ in 0..<3 { stats.requestStarted() }
        #expect(stats.snapshot().inFlight == 3)
        for _ in 0..<3 { stats.requestFinished() }
        clock.advance(by: .seconds(61))
        var snapshot = stats.snapshot()
        #expect(snapshot.inFlight == 0)
        #expect(snapshot.last1m.maxConcurrency == 0)
        #expect(snapshot.last15m.maxConcurrency == 3 && snapshot.total.maxConcurrency == 3)

        stats.requestStarted()
        clock.advance(by: .seconds(120))
        snapshot = stats.snapshot()
        #expect(snapshot.last1m.maxConcurrency == 1, "still running, though it started before the window")
        stats.requestFinished()
        clock.advance(by: .seconds(30))
        #expect(stats.snapshot().last1m.maxConcurrency == 1, "it ran during the window")
        clock.advance(by: .seconds(60))
        snapshot = stats.snapshot()
        #expect(snapshot.last1m.maxConcurrency == 0 && snapshot.last15m.maxConcurrency == 3)
    }

    @Test func concurrentRecordingKeepsExactTotals() {
        let stats = RequestStats()
        let threads = 8
        let perThread = 5_000
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for i in 0..<perThread {
                stats.requestStarted()
                stats.record(latency: .microseconds(100 + i), succeeded: i % 4 != 0, bytesIn: thread, bytesOut: 2)
                stats.requestFinished()
            }
        }
        let snapshot = stats.snapshot()
        #expect(snapshot.inFlight == 0)
        for window in [snapshot.total, snapshot.last1m, snapshot.last15m] {
            #expect(window.requests == threads * perThread)
            #expect(window.successes == threads * perThread * 3 / 4)
            #expect(window.bytesIn == perThread * (0..<threads).reduce(0, +))
            #expect(window.bytesOut == 2 * threads * perThread)
            #expect((1...threads).contains(window.maxConcurrency))
        }
    }

    @Test func memoryIsFixedAndSmallWithTheDefaultPrecision() {
        let stats = RequestStats(clock: ManualClock())
        let before = stats.estimatedMemoryBytes
        stats.record(latency: .seconds(3_000), succeeded: true, bytesIn: 0, bytesOut: 0)
        #expect(stats.estimatedMemoryBytes == before)
        #expect(before < 64 * 1024)
    }
}
