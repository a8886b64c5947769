import Foundation
import Testing

/// Names resolved through `dns.servers` against a DNS server the test runs on loopback (dnslib): forward, SOCKS5
/// and reverse targets named by host reach their addresses, answers are cached for their TTL (and failures for
/// `negative_ttl`), and both address families are raced.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DNSResolutionTests {
    func forwardYAML(dns: LoopbackDNSServer, cache: String = "", destinations: String = ProxyHarness.loopbackDestinations)
        -> String
    {
        ProxyHarness.forwardYAML(destinations: destinations) + """
            dns: { servers: ["\(dns.address)"]\(cache) }

            """
    }

    /// One request through the proxy, on a thread of its own (a blocking wait must not hold the few threads of
    /// Swift's cooperative pool, which every other test shares).
    func get(_ proxy: ProxyHarness, _ url: String) async throws -> Answer {
        let host = url.split(separator: "/")[1]
        let port = proxy.port
        return try await HTTPLoad.onThread {
            try RawClient(port: port).exchange("GET \(url) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n")
        }
    }

    @Test func aForwardDestinationIsResolvedOnceAndCachedForItsTTL() async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let dns = resources.track(try await LoopbackDNSServer.start(["app.test": [.a("127.0.0.1", ttl: 60)]]))
            let proxy = resources.track(try await ProxyHarness(yaml: forwardYAML(dns: dns)))
            for _ in 0..<3 {
                let response = try await get(proxy, "http://app.test:\(origin.port)/hello")
                #expect(response.status == 200)
            }
            #expect(origin.requests.count == 3)
            #expect(dns.queries(for: "app.test", type: "A") == 1, "a 60 s answer serves every request: \(dns.log)")
            #expect(dns.queries(for: "app.test", type: "AAAA") == 1, "both families are asked for")
        }
    }

    /// Forty addresses do not fit in a 512-byte datagram: the server answers over UDP with the TC flag and no
    /// records, and the proxy asks again over TCP for the whole answer.
    @Test func anAnswerTooBigForADatagramIsAskedForAgainOverTCP() async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let addresses = (1...40).map { LoopbackDNSServer.Record.a("127.0.0.\($0)", ttl: 60) }
            let dns = resources.track(try await LoopbackDNSServer.start(["many.test": addresses]))
            let proxy = resources.track(try await ProxyHarness(yaml: forwardYAML(dns: dns)))
            let response = try await get(proxy, "http://many.test:\(origin.port)/hello")
            #expect(response.status == 200, "\(dns.log)")
            #expect(dns.queries(for: "many.test", type: "A", over: "udp") == 1, "\(dns.log)")
            #expect(dns.queries(for: "many.test", type: "A", over: "tcp") == 1, "the truncated answer is asked again")
            #expect(dns.queries(for: "many.test", type: "AAAA", over: "tcp") == 0, "an empty AAAA answer fits")
        }
    }

    @Test func aZeroTTLIsAskedAgainAndMinTTLKeepsItLonger() async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let dns = resources.track(try await LoopbackDNSServer.start(["app.test": [.a("127.0.0.1", ttl: 0)]]))
            let uncached = resources.track(try await ProxyHarness(yaml: forwardYAML(dns: dns)))
            for _ in 0..<2 { #expect(try await get(uncached, "http://app.test:\(origin.port)/").status == 200) }
            #expect(dns.queries(for: "app.test", type: "A") == 2, "a 0 s answer is not kept")
            let floored = resources.track(try await ProxyHarness(yaml: forwardYAML(dns: dns, cache: ", min_ttl: 1m")))
            for _ in 0..<2 { #expect(try await get(floored, "http://app.test:\(origin.port)/").status == 200) }
            #expect(dns.queries(for: "app.test", type: "A") == 3, "min_ttl keeps it")
        }
    }

    @Test func aNameThatDoesNotResolveIsA502CachedForNegativeTTL() async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let dns = resources.track(try await LoopbackDNSServer.start([:]))
            // Long enough to outlast the next request however busy the machine is.
            let yaml = forwardYAML(dns: dns, cache: ", negative_ttl: 4s")
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            let missing = try await get(proxy, "http://late.test:\(origin.port)/")
            #expect(missing.status == 502)
            #expect(missing.body.contains("DNS lookup failed for late.test"), "\(missing.body)")
            try dns.setRecords(["late.test": [.a("127.0.0.1")]])
            #expect(try await get(proxy, "http://late.test:\(origin.port)/").status == 502, "the failure is still cached")
            #expect(dns.queries(for: "late.test", type: "A") == 1)
            var answered = false
            for _ in 0..<200 where !answered {
                try await Task.sleep(for: .milliseconds(100))
                answered = try await get(proxy, "http://late.test:\(origin.port)/").status == 200
            }
            #expect(answered, "answered once negative_ttl is over")
            #expect(origin.requests.count == 1)
        }
    }

    /// The name has an IPv6 address where nothing listens and an IPv4 one where the origin does: NIO's Happy
    /// Eyeballs connector tries both, so the request succeeds whichever family it tries first.
    @Test func bothFamiliesAreRacedAndTheOneThatAnswersWins() async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let dns = resources.track(
                try await LoopbackDNSServer.start(["dual.test": [.aaaa("::1", ttl: 60), .a("127.0.0.1", ttl: 60)]]))
            let proxy = resources.track(try await ProxyHarness(yaml: forwardYAML(dns: dns)))
            let response = try await get(proxy, "http://dual.test:\(origin.port)/hello")
            #expect(response.status == 200, "\(response.body)")
            #expect(origin.requests.count == 1)
        }
    }

    @Test func socks5DomainDestinationsAreResolvedThroughTheServers() async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let dns = resources.track(try await LoopbackDNSServer.start(["socks.test": [.a("127.0.0.1", ttl: 60)]]))
            let yaml = forwardYAML(dns: dns).replacingOccurrences(of: "mode: forward", with: "mode: socks5")
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            let result = try await Subprocess.curlOffPool([
                "--socks5-hostname", "127.0.0.1:\(proxy.port)", "http://socks.test:\(origin.port)/hello",
            ])
            #expect(result.stdout == "ok", "\(result.stderr)")
            #expect(dns.queries(for: "socks.test", type: "A") == 1, "\(dns.log)")
        }
    }

    @Test func aReverseTargetNamedByHostIsResolvedThroughTheServers() async throws {
        try await withResources { resources in
            let backend = resources.track(try await TestOrigin.start(group: resources.group))
            let dns = resources.track(try await LoopbackDNSServer.start(["backend.test": [.a("127.0.0.1", ttl: 60)]]))
            let yaml = dns.reverseYAML(
                pool: """
                        keepalive: { max_idle_per_destination: 0 }
                        targets: [ { url: "http://backend.test:\(backend.port)" } ]

                    """)
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))
            for _ in 0..<2 {
                #expect(try await get(proxy, "http://site/hello").status == 200)
            }
            #expect(backend.requests.count == 2)
            #expect(dns.queries(for: "backend.test", type: "A") == 1, "the second connection used the cache")
        }
    }
}
