import Foundation
import SwitchyardStats
import SwitchyardTraffic
import Testing

struct JSONTests {
    /// Foundation's parser on Linux can miss the nearest double by an ulp; the text itself round-trips exactly.
    private func same(_ parsed: Double?, _ expected: Double) -> Bool {
        parsed.map { abs($0 - expected) <= abs(expected) * 1e-12 } ?? false
    }

    private func parse(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func aWindowHasTheDocumentedShape() {
        let window = WindowStats(
            requests: 3, successes: 2, failures: 1, bytesIn: 150, bytesOut: 1_024, averageLatency: 0.02,
            p50Latency: 0.015, p99Latency: 0.5, maxConcurrency: 4, requestsPerSecond: 0.25)
        #expect(
            window.json
                == #"{"requests":3,"successes":2,"failures":1,"bytes_in":150,"bytes_out":1024,"#
                + #""latency_seconds":{"avg":0.02,"p50":0.015,"p99":0.5},"max_concurrency":4,"#
                + #""requests_per_second":0.25}"#)
    }

    @Test func aSnapshotParsesBackWithEveryWindow() throws {
        let clock = ManualClock()
        let stats = RequestStats(clock: clock)
        stats.requestStarted()
        stats.record(latency: .milliseconds(250), succeeded: true, bytesIn: 7, bytesOut: 9)
        clock.advance(by: .seconds(61))
        let snapshot = stats.snapshot()
        let document = try parse(snapshot.json)
        #expect(Set(document.keys) == ["in_flight", "windows"])
        #expect(document["in_flight"] as? Int == 1)
        let windows = try #require(document["windows"] as? [String: [String: Any]])
        #expect(Set(windows.keys) == ["total", "last_1m", "last_15m"])
        for (name, expected) in [
            ("total", snapshot.total), ("last_1m", snapshot.last1m), ("last_15m", snapshot.last15m),
        ] {
            let window = try #require(windows[name])
            #expect(
                Set(window.keys) == [
                    "requests", "successes", "failures", "bytes_in", "bytes_out", "latency_seconds",
                    "max_concurrency", "requests_per_second",
                ])
            #expect(window["requests"] as? Int == expected.requests)
            #expect(window["bytes_out"] as? Int == expected.bytesOut)
            #expect(window["max_concurrency"] as? Int == expected.maxConcurrency)
            #expect(same(window["requests_per_second"] as? Double, expected.requestsPerSecond))
            let latency = try #require(window["latency_seconds"] as? [String: Double])
            #expect(Set(latency.keys) == ["avg", "p50", "p99"])
            #expect(same(latency["avg"], expected.averageLatency) && same(latency["p50"], expected.p50Latency))
            #expect(same(latency["p99"], expected.p99Latency))
        }
        #expect(windows["last_1m"]?["requests"] as? Int == 0)
        #expect(windows["last_15m"]?["requests"] as? Int == 1)
    }

    @Test func theWriterComposesNestedDocuments() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("pools")
        writer.beginArray()
        writer.beginObject()
        writer.field("name", "a")
        writer.field("healthy", true)
        writer.key("stats")
        StatsSnapshot().writeJSON(to: &writer)
        writer.endObject()
        writer.value(1)
        writer.value(2.5)
        writer.null()
        writer.beginArray()
        writer.endArray()
        writer.endArray()
        writer.key("empty")
        writer.beginObject()
        writer.endObject()
        writer.endObject()
        #expect(writer.text.hasPrefix(#"{"pools":[{"name":"a","healthy":true,"stats":{"in_flight":0,"windows":{"#))
        #expect(writer.text.hasSuffix(#"}}},1,2.5,null,[]],"empty":{}}"#))
        #expect((try? parse(writer.text)) != nil)
    }

    @Test func stringsAreEscapedAndRoundTrip() throws {
        let awkward = "quote \" backslash \\ slash / newline \n tab \t cr \r bell \u{07} nul \u{00} us \u{1F} é 😀"
        var writer = JSONWriter()
        writer.beginObject()
        writer.field(awkward, awkward)
        writer.endObject()
        #expect(
            writer.text.contains(#"\u0007"#) && writer.text.contains(#"\u0000"#) && writer.text.contains(#"\u001f"#))
        #expect(try parse(writer.text) as? [String: String] == [awkward: awkward])
    }

    @Test func numbersThatJSONCannotHoldBecomeNull() throws {
        var writer = JSONWriter()
        writer.beginArray()
        for number in [Double.nan, .infinity, -.infinity, 1e-7, 1e300, -0.5] {
            writer.value(number)
        }
        writer.endArray()
        #expect(writer.text == "[null,null,null,1e-07,1e+300,-0.5]")
        let parsed = try #require(JSONSerialization.jsonObject(with: Data(writer.text.utf8)) as? [Any])
        #expect(parsed.count == 6)
    }
}
