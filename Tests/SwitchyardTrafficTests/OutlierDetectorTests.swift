import SwitchyardTraffic
import Testing

struct OutlierDetectorTests {
    private func detector(
        _ clock: ManualClock, targets: Int = 4, percent: Int = 50,
        recovery: OutlierDetector<Int>.Recovery = .afterEjectionTime
    ) -> OutlierDetector<Int> {
        OutlierDetector(
            targets: 0..<targets,
            configuration: .init(
                consecutiveFailures: 3, ejectionTime: .seconds(10), maxEjectionTime: .seconds(25),
                maxEjectionPercent: percent, recovery: recovery),
            clock: clock)
    }

    @Test func ejectsAfterConsecutiveFailuresForLongerEachTimeUpToTheCap() {
        let clock = ManualClock()
        let detector = detector(clock)
        var lengths: [Int] = []
        for _ in 0..<4 {
            #expect([0, 1, 2].map { _ in detector.recordFailure(target: 0) } == [false, false, true])
            var seconds = 0
            while detector.isEjected(target: 0) {
                clock.advance(by: .seconds(1))
                seconds += 1
            }
            lengths.append(seconds)
        }
        #expect(lengths == [10, 20, 25, 25])
    }

    @Test func aSuccessResetsTheFailureCountAndServerErrorsCountOnlyWhenAsked() {
        let detector = detector(ManualClock())
        detector.recordFailure(target: 1)
        detector.recordFailure(target: 1, .reset)
        detector.recordSuccess(target: 1)
        detector.recordFailure(target: 1)
        detector.recordFailure(target: 1, .serverError)
        detector.recordFailure(target: 1)
        #expect(!detector.isEjected(target: 1))
        #expect(detector.recordFailure(target: 1))
    }

    @Test func neverEjectsMoreThanMaxEjectionPercentOfThePool() {
        let clock = ManualClock()
        let detector = detector(clock, targets: 10, percent: 20)
        for target in 0..<10 {
            for _ in 0..<3 { detector.recordFailure(target: target) }
        }
        #expect((0..<10).filter { detector.isEjected(target: $0) } == [0, 1])
        clock.advance(by: .seconds(10))
        #expect(detector.recordFailure(target: 5), "with room again, the next failure over the threshold ejects")
        #expect((0..<10).filter { detector.isEjected(target: $0) } == [5])
    }

    @Test func instantRecoveryBringsATargetBackOnItsFirstSuccess() {
        let detector = detector(ManualClock(), recovery: .instant)
        for _ in 0..<3 { detector.recordFailure(target: 2) }
        #expect(detector.isEjected(target: 2))
        #expect(detector.recordSuccess(target: 2))
        #expect(!detector.isEjected(target: 2))
    }

    @Test func timedRecoveryIgnoresSuccessesWhileEjected() {
        let clock = ManualClock()
        let detector = detector(clock)
        for _ in 0..<3 { detector.recordFailure(target: 2) }
        #expect(!detector.recordSuccess(target: 2))
        clock.advance(by: .milliseconds(9_999))
        #expect(detector.isEjected(target: 2))
        clock.advance(by: .milliseconds(1))
        #expect(!detector.isEjected(target: 2))
    }

    @Test func aLongQuietSpellForgivesPastEjections() {
        let clock = ManualClock()
        let detector = detector(clock)
        for _ in 0..<6 { detector.recordFailure(target: 0) }
        clock.advance(by: .seconds(10))
        for _ in 0..<3 { detector.recordFailure(target: 0) }
        clock.advance(by: .seconds(20 + 20))
        for _ in 0..<3 { detector.recordFailure(target: 0) }
        clock.advance(by: .seconds(9))
        #expect(detector.isEjected(target: 0))
        clock.advance(by: .seconds(1))
        #expect(!detector.isEjected(target: 0), "two ejection times in, the count fell from 2 to 0: this one was 10 s")
    }

    @Test func updatingTargetsKeepsTheStateOfThoseThatRemain() {
        let detector = detector(ManualClock())
        for _ in 0..<3 { detector.recordFailure(target: 0) }
        detector.updateTargets([0, 7])
        #expect(detector.isEjected(target: 0))
        #expect(!detector.isEjected(target: 1) && !detector.recordFailure(target: 1), "unknown targets are ignored")
    }
}
