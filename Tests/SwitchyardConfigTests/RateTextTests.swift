import Testing

@testable import SwitchyardConfig

@Suite struct RateTextTests {
    private static let forms: [(text: String, perSecond: Double)] = [
        ("100/s", 100), ("6000/m", 100), ("0.5/s", 0.5), ("3600/h", 1), ("1/m", 1.0 / 60), ("100", 100),
        ("2.5", 2.5), ("0/s", 0), ("1.5/h", 1.5 / 3600), ("1e3/s", 1000),
    ]

    @Test(arguments: forms)
    func parsesEveryForm(text: String, perSecond: Double) {
        #expect(RateText.parse(text) == perSecond)
    }

    @Test(arguments: [
        "", "/s", "100/", "100/d", "100/sec", "100 /s", "-5/s", "+5/s", ".5/s", "5/s/s", "abc", "inf/s",
        "nan", "0x10/s", "100/S",
    ])
    func rejectsOtherText(text: String) {
        #expect(RateText.parse(text) == nil)
    }

    private static let rendered: [(rate: Double, text: String)] = [
        (100, "100/s"), (1, "1/s"), (1.0 / 60, "1/m"), (1.0 / 3600, "1/h"), (0.5, "0.5/s"), (2.5, "2.5/s"),
        (0.125, "0.125/s"), (1.0 / 7, "0.14285714285714285/s"), (1.5 / 3600, "0.0004166666666666667/s"),
        (0.0005, "0.0005/s"), (0.000001, "1e-06/s"), (1e20, "1e+20/s"),
    ]

    @Test(arguments: rendered)
    func formatsTextThatParsesBack(rate: Double, text: String) {
        #expect(RateText.format(rate) == text)
        #expect(RateText.parse(text) == rate)
    }

    @Test func badRateInTheFileNamesTheAcceptedForms() {
        let found = issues(in: minimalYAML + "    rate_limits: [ { key: client_ip, rate: 10/min } ]\n")
        #expect(
            found.map(\.description) == [
                "cfg.yaml:10: pools.outbound.rate_limits[0].rate: \"10/min\" is not a rate; write requests per second, "
                    + "minute or hour as N/s, N/m or N/h (e.g. \"100/s\", \"6000/m\", \"0.5/s\"), or a bare number for "
                    + "per second"
            ])
    }
}
