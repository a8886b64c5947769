import Testing

@testable import SwitchyardTraffic

/// `max_connections_per_client`: a client trickling request heads on many connections (slowloris) holds at most
/// its own share of the listener's slots; everyone else still gets in.
@Suite(.timeLimit(.minutes(2)))
struct ClientConnectionLimitTests {
    /// `count` connections that each send the start of a request head for `url`, and no more.
    private static func slowHeads(_ count: Int, port: Int, url: String) throws -> [RawClient] {
        try (0..<count).map { _ in
            let client = try RawClient(port: port)
            try client.send("GET \(url) HTTP/1.1\r\nHo")
            return client
        }
    }

    /// What each client has received, read until `done` holds for all of it (or 10 s pass); whether it held.
    private static func answers(of clients: [RawClient], until done: ([String]) -> Bool) async throws
        -> (Bool, [String])
    {
        var answers = Array(repeating: "", count: clients.count)
        let held = try await eventually {
            for (index, client) in clients.enumerated() {
                answers[index] += String(decoding: client.receiveIfAvailable(), as: UTF8.self)
            }
            return done(answers)
        }
        return (held, answers)
    }

    @Test func oneClientCannotTakeEverySlot() async throws {
        let yaml = ProxyHarness.forwardYAML(
            maxConnections: 10, headerRead: "60s", listenerExtra: "    max_connections_per_client: 3\n")
        try await withProxy(yaml: yaml) { proxy, origin in
            let url = "http://127.0.0.1:\(origin.port)/"
            // Four slow heads from one address; which one the proxy sees last depends on its event loops.
            let clients = try Self.slowHeads(4, port: proxy.port, url: url)
            let (oneRefused, answers) = try await Self.answers(of: clients) { answers in
                answers.contains { $0.contains("from your address") }
            }
            #expect(oneRefused, "\(answers)")
            #expect(answers.filter { $0.hasPrefix("HTTP/1.1 503") }.count == 1, "\(answers)")
            let held = zip(clients, answers).filter { $0.1.isEmpty }.map(\.0)
            let other = try Subprocess.curl(["-s", "--interface", "127.0.0.2", "-x", proxy.proxyURL, url])
            #expect(other.stdout == "ok", "another address still gets in: \(other.stderr)")
            held[0].reset()
            #expect(
                try await eventually { (try? Subprocess.curl(["-s", "-x", proxy.proxyURL, url]).stdout) == "ok" },
                "the slot given back is usable again")
            #expect(held.count == 3)
        }
    }

    @Test func aFullListenerAnswers503BeforeParsingAnything() async throws {
        let yaml = ProxyHarness.forwardYAML(maxConnections: 2, listenerExtra: "    max_connections_per_client: 0\n")
        try await withProxy(yaml: yaml) { proxy, origin in
            let held = try (0..<2).map { _ in try RawClient(port: proxy.port) }
            let third = try RawClient(port: proxy.port)
            try third.send("GET http://127.0.0.1:\(origin.port)/ HTTP/1.1\r\nHost: x\r\n\r\n")
            let refused = try third.receiveAll()
            #expect(refused.hasPrefix("HTTP/1.1 503") && refused.contains("too many connections"), "\(refused)")
            #expect(origin.requests.isEmpty)
            #expect(held.count == 2)
        }
    }

    @Test func slowHeadsBeyondTheCapAreClosedWhileWholeHeadsAreServed() async throws {
        let yaml = ProxyHarness.forwardYAML(headerRead: "60s", listenerExtra: "    max_incomplete_heads: 3\n")
        try await withProxy(yaml: yaml) { proxy, origin in
            let url = "http://127.0.0.1:\(origin.port)/"
            // Five clients each trickle a head; three may wait, the other two are answered 408 at once.
            let slow = try Self.slowHeads(5, port: proxy.port, url: url)
            let (twoRefused, answers) = try await Self.answers(of: slow) { answers in
                answers.filter { $0.hasPrefix("HTTP/1.1 408") }.count == 2
            }
            #expect(twoRefused, "\(answers)")
            // A client whose head arrives whole is never counted.
            let whole = try Subprocess.curl(["-s", "-x", proxy.proxyURL, url])
            #expect(whole.stdout == "ok")
            // A waiting slow head that completes is served, and its place is free again.
            let waiting = try #require(zip(slow, answers).first { $0.1.isEmpty }?.0)
            try waiting.send("st: x\r\nConnection: close\r\n\r\n")
            #expect(try waiting.receiveAll().hasPrefix("HTTP/1.1 200"))
            let another = try RawClient(port: proxy.port)
            try another.send("GET \(url) HTTP/1.1\r\nHo")
            try await Task.sleep(for: .milliseconds(300))
            #expect(another.receiveIfAvailable().isEmpty, "a place was free for it")
        }
    }

    @Test func theCounterKeepsOnlyAddressesWithOpenConnections() {
        let counter = ClientConnectionCounter(limit: 2)
        #expect(counter.tryAcquire("a") && counter.tryAcquire("a"))
        #expect(!counter.tryAcquire("a"))
        #expect(counter.tryAcquire("b"))
        counter.release("a")
        #expect(counter.tryAcquire("a"))
        for _ in 0..<2 { counter.release("a") }
        counter.release("b")
        #expect(counter.openConnections(of: "a") == 0 && counter.openConnections(of: "b") == 0)
        counter.release("a")  // an extra release does not go negative
        #expect(counter.tryAcquire("a") && counter.tryAcquire("a") && !counter.tryAcquire("a"))
    }
}
