import Testing

/// Backends that fail: retries on another backend, never for POST, within the budget; truncated responses.
@Suite(.timeLimit(.minutes(2)))
struct ReverseFailureTests {
    private func yaml(good: Int, bad: Int, extra: String = "") -> String {
        """
        log: { level: error, format: text }
        listeners:
          - { name: web, mode: reverse, listen: "127.0.0.1:0", pool: web }
        pools:
          web:
        \(extra)    targets:
              - url: "http://127.0.0.1:\(bad)"
              - url: "http://127.0.0.1:\(good)"

        """
    }

    @Test func getsAreRetriedOnTheOtherBackendButPostsAreNot() async throws {
        try await withResources { resources in
        let counter = ConnectionCounter()
        let resetter = resources.track(try await TCPServer.resetting(group: resources.group, counter: counter))
        let good = resources.track(try await TestOrigin.start(group: resources.group))
        let extra = "    retries: { budget_percent: 100 }\n"
        let yaml = yaml(good: good.port, bad: resetter.localAddress!.port!, extra: extra)
        let proxy = resources.track(try await ProxyHarness(yaml: yaml))

        let gets = try Subprocess.statuses(["\(proxy.proxyURL)/item?[1-20]"])
        #expect(gets == Array(repeating: "200", count: 20))
        #expect(counter.value >= 5, "the resetting backend was tried")

        let before = counter.value
        let posts = try Subprocess.statuses(["-X", "POST", "-d", "x", "\(proxy.proxyURL)/order?[1-10]"])
        #expect(posts.count == 10)
        let failed = posts.filter { $0 == "502" }.count
        #expect(failed == counter.value - before, "every POST that met the resetting backend failed, none was retried")
        #expect(failed > 0)
        #expect(good.requests.filter { $0.method == .POST }.count == 10 - failed)
        }
    }

    @Test func retryBudgetCapsRetries() async throws {
        try await withResources { resources in
        let counter = ConnectionCounter()
        let resetter = resources.track(try await TCPServer.resetting(group: resources.group, counter: counter))
        let good = resources.track(try await TestOrigin.start(group: resources.group))
        let extra = "    retries: { attempts: 3, budget_percent: 10, backoff: 1ms }\n"
        let yaml = yaml(good: good.port, bad: resetter.localAddress!.port!, extra: extra)
        let proxy = resources.track(try await ProxyHarness(yaml: yaml))

        let results = try Subprocess.statuses(["\(proxy.proxyURL)/item?[1-100]"])
        #expect(results.count == 100)
        let failures = results.filter { $0 == "502" }.count
        let retries = counter.value - failures
        #expect(failures > 0, "the budget ran out, so some requests failed")
        #expect(retries >= 3)
        #expect(retries <= 10 + 3, "at most 10% of 100 requests (plus the floor of 3) were retried, got \(retries)")
        }
    }

    /// An upstream connection whose exchange ended in doubt is closed, never pooled: a backend that sends a second
    /// response behind the first (queued for whoever asks next on that connection) never gets another request on it,
    /// so no client receives the response meant to poison the next one.
    @Test func anUpstreamThatAnswersMoreThanItWasAskedIsNotReused() async throws {
        try await withResources { resources in
        let counter = ConnectionCounter()
        let poisoning = resources.track(try await TCPServer.answering(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" + "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\npoison",
            group: resources.group, counter: counter))
        let config = """
            log: { level: error, format: text }
            listeners:
              - { name: web, mode: reverse, listen: "127.0.0.1:0", pool: web }
            pools:
              web: { targets: [ { url: "http://127.0.0.1:\(poisoning.localAddress!.port!)" } ] }
            """
        let proxy = resources.track(try await ProxyHarness(yaml: config))
        for index in 0..<3 {
            let answer = try Subprocess.curl(["-s", "\(proxy.proxyURL)/\(index)"])
            #expect(answer.stdout == "ok", "request \(index)")
        }
        #expect(counter.value == 3, "one upstream connection per request: none was pooled")
        }
    }

    /// A backend killed mid-body, with a fixed length or chunked: the client gets the truncated response closed
    /// (never completed by the proxy, never another client's bytes).
    @Test(arguments: [false, true])
    func backendDyingMidResponseGivesACleanErrorAndTheProxyKeepsServing(chunked: Bool) async throws {
        try await withResources { resources in
        let truncating = resources.track(try await TCPServer.truncating(group: resources.group, chunked: chunked))
        let good = resources.track(try await TestOrigin.start(group: resources.group))
        let config = """
            log: { level: error, format: text }
            listeners:
              - name: web
                mode: reverse
                listen: "127.0.0.1:0"
                routes:
                  - { match: { path_prefix: "/broken" }, pool: broken }
                  - pool: good
            pools:
              broken: { targets: [ { url: "http://127.0.0.1:\(truncating.localAddress!.port!)" } ] }
              good: { targets: [ { url: "http://127.0.0.1:\(good.port)" } ] }
            """
        let proxy = resources.track(try await ProxyHarness(yaml: config))

        let clock = ContinuousClock()
        let start = clock.now
        let broken = try Subprocess.curl(["-o", "/dev/null", "-w", "%{http_code} %{size_download}", "\(proxy.proxyURL)/broken"])
        #expect(broken.status == 18, "curl reports a transfer closed early: \(broken.stderr)")
        #expect(broken.stdout == "200 65536")
        #expect(clock.now - start < .seconds(10))
        let fine = try Subprocess.curl(["\(proxy.proxyURL)/fine"])
        #expect(fine.stdout == "ok")
        }
    }

    /// A backend that accepts and never answers costs each client one `response_header` wait and a 504, never a
    /// hang: the upstream connection is closed and the target's only slot given back each time (with
    /// `max_connections_per_target: 1` a leaked slot would turn the next request into a 503), and every request is
    /// counted once.
    @Test func aBackendThatAcceptsAndNeverAnswersGets504sAndKeepsNoSlot() async throws {
        try await withResources { resources in
        let silent = try await FakeUpstream.start(.stall, group: resources.group)
        let config = ConnectionExitTests.withMetrics("""
            log: { level: error, format: text }
            listeners:
              - { name: web, mode: reverse, listen: "127.0.0.1:0", pool: web }
            pools:
              web:
                max_connections_per_target: 1
                timeouts: { connect: 2s, response_header: 300ms }
                targets: [ { url: "http://127.0.0.1:\(silent.port)" } ]
            """)
        let proxy = resources.track(try await ProxyHarness(yaml: config))
        let clock = ContinuousClock()
        let start = clock.now
        let statuses = try Subprocess.statuses(["\(proxy.proxyURL)/wait?[1-4]"])
        #expect(statuses == ["504", "504", "504", "504"])
        #expect(clock.now - start < .seconds(10), "each waited one response_header timeout, not for ever")
        #expect(silent.connectionCount == 4, "one upstream connection per request, none reused after its timeout")
        #expect(try await proxy.activeConnectionsReturnToZero(within: 2))
        #expect(try await eventually {
            proxy.runtime.metricsText().contains(#"switchyard_requests_total{listener="web",method="GET",status="504"} 4"#)
        })
        await silent.stop()
        }
    }
}
