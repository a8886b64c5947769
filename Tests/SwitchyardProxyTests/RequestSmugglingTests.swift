import Foundation
import NIOHTTP1
import Testing

@testable import SwitchyardProxy

/// Request-smuggling vectors sent over raw sockets through forward and reverse listeners. An ambiguous head is
/// answered 400 and reaches no upstream; an accepted one reaches it in one canonical framing, so the upstream (which
/// records every byte) parses exactly the requests the proxy did, and a second client gets its own answer.
@Suite(.timeLimit(.minutes(2)))
struct RequestSmugglingTests {
    /// Heads whose framing or routing is ambiguous, by what makes them so: (name, head lines, body).
    static let refused: [(String, String, String)] = [
        ("Transfer-Encoding with a coding before chunked", "Transfer-Encoding: gzip, chunked", "0\r\n\r\n"),
        ("two Transfer-Encoding headers", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked", "0\r\n\r\n"),
        ("Transfer-Encoding identity", "Transfer-Encoding: identity", ""),
        ("Transfer-Encoding and Content-Length", "Content-Length: 5\r\nTransfer-Encoding: chunked", "0\r\n\r\n"),
        ("Content-Length values that disagree", "Content-Length: 4\r\nContent-Length: 5", "abcde"),
        ("a Content-Length list that disagrees", "Content-Length: 4, 5", "abcde"),
        ("a signed Content-Length", "Content-Length: +5", "abcde"),
        ("two Host headers", "Host: 127.0.0.2", ""),
        ("a bad chunk size", "Transfer-Encoding: chunked", "zz\r\nabc\r\n0\r\n\r\n"),
    ]

    private static func yaml(mode: String, origin: Int) -> String {
        mode == "forward"
            ? ProxyHarness.forwardYAML()
            : ReverseSetup.yaml(routes: "      - { pool: web }", pools: [.init(name: "web", ports: [origin])])
    }

    private func withListener(
        mode: String, _ body: (ProxyHarness, TestOrigin, _ target: (String) -> String) async throws -> Void
    ) async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group, recordingBytes: true))
            let proxy = resources.track(try await ProxyHarness(yaml: Self.yaml(mode: mode, origin: origin.port)))
            let prefix = mode == "forward" ? "http://127.0.0.1:\(origin.port)" : ""
            try await body(proxy, origin) { path in prefix + path }
        }
    }

    @Test(arguments: ["forward", "reverse"])
    func ambiguousHeadsAreRefusedAndReachNoUpstream(mode: String) async throws {
        try await withListener(mode: mode) { proxy, origin, target in
            for (name, lines, body) in Self.refused {
                let client = try RawClient(port: proxy.port)
                try client.send("POST \(target("/refused")) HTTP/1.1\r\nHost: 127.0.0.1\r\n\(lines)\r\n\r\n\(body)")
                let reply = try client.receiveAll()
                #expect(reply.hasPrefix("HTTP/1.1 400"), "\(name): \(reply)")
            }
            for (method, head) in [
                ("TRACE with a body", "TRACE \(target("/refused")) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\n\r\nabcd"),
                ("chunked HTTP/1.0", "POST \(target("/refused")) HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            ] {
                let client = try RawClient(port: proxy.port)
                try client.send(head)
                let reply = try client.receiveAll()
                #expect(reply.hasPrefix("HTTP/1."), "\(method)")
                #expect(reply.dropFirst(9).hasPrefix("400"), "\(method): \(reply)")
            }
            #expect(!origin.receivedBytes.contains("/refused"), "\(origin.receivedBytes)")
            let check = try Subprocess.curl(mode == "forward"
                ? ["-x", proxy.proxyURL, "http://127.0.0.1:\(origin.port)/"] : ["\(proxy.proxyURL)/"])
            #expect(check.stdout == "ok", "the listener still serves")
        }
    }

    @Test(arguments: ["forward", "reverse"])
    func acceptedBodiesReachTheUpstreamInOneCanonicalFraming(mode: String) async throws {
        try await withListener(mode: mode) { proxy, origin, target in
            // A chunked body spelled `Chunked`, whose content looks like a second request.
            let hidden = "GET /internal/secret HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            let attacker = try RawClient(port: proxy.port)
            try attacker.send(
                "GET \(target("/public/a")) HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
                    + String(hidden.utf8.count, radix: 16) + "\r\n\(hidden)\r\n0\r\n\r\n")
            let attackerReply = try attacker.receive(until: "ok")
            #expect(attackerReply.hasPrefix("HTTP/1.1 200"), "\(attackerReply)")
            // `Connection` naming the framing header must not strip it.
            let second = try RawClient(port: proxy.port)
            try second.send(
                "DELETE \(target("/public/b")) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: content-length\r\n"
                    + "Content-Length: 5\r\n\r\nhello")
            #expect(try second.receive(until: "ok").hasPrefix("HTTP/1.1 200"))
            // A victim on a (possibly) pooled upstream connection gets exactly its own answer.
            let victim = try RawClient(port: proxy.port)
            try victim.send("GET \(target("/victim")) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let victimReply = try victim.receive(until: "ok")
            #expect(victimReply.hasPrefix("HTTP/1.1 200") && victimReply.hasSuffix("\r\n\r\nok"), "\(victimReply)")
            try await Task.sleep(for: .milliseconds(100))
            #expect(origin.requests.map(\.uri) == ["/public/a", "/public/b", "/victim"])
            #expect(origin.requests.map(\.bodyBytes) == [hidden.utf8.count, 5, 0])
            let raw = origin.receivedBytes
            #expect(raw.contains("transfer-encoding: chunked\r\n") && !raw.contains("Chunked"), "\(raw)")
            #expect(raw.contains("\r\n\r\n\(String(hidden.utf8.count, radix: 16))\r\n\(hidden)\r\n0\r\n\r\n"), "\(raw)")
            #expect(raw.contains("Content-Length: 5\r\n") && raw.contains("\r\n\r\nhello"), "\(raw)")
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withListener(mode: "reverse") { proxy, origin, target in
            let client = try RawClient(port: proxy.port)
            try client.send(
                "GET \(target("/slow?ms=200")) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    + "GET \(target("/second")) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            let replies = try client.receiveAll()
            let slept = try #require(replies.range(of: "slept"))
            let ok = try #require(replies.range(of: "\r\n\r\nok"))
            #expect(slept.lowerBound < ok.lowerBound, "\(replies)")
            #expect(replies.components(separatedBy: "HTTP/1.1 200").count == 3)
        }
    }

    @Test func reverseAbsoluteFormMustAgreeWithHost() async throws {
        try await withListener(mode: "reverse") { proxy, origin, _ in
            let disagreeing = try RawClient(port: proxy.port)
            try disagreeing.send("GET http://127.0.0.2:1/admin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try disagreeing.receiveAll().hasPrefix("HTTP/1.1 400"))
            let agreeing = try RawClient(port: proxy.port)
            try agreeing.send("GET http://127.0.0.1/page HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            #expect(try agreeing.receiveAll().hasPrefix("HTTP/1.1 200"))
            #expect(origin.requests.map(\.uri) == ["/page"])
        }
    }
}

/// The framing rules on their own.
struct RequestFramingTests {
    private func framing(_ headers: [(String, String)], method: HTTPMethod = .POST, version: HTTPVersion = .http1_1)
        throws(RequestFraming.Violation) -> RequestFraming
    {
        try RequestFraming(validating: HTTPRequestHead(
            version: version, method: method, uri: "/", headers: HTTPHeaders(headers)))
    }

    @Test func acceptedFramings() throws {
        #expect(try framing([("Host", "a")]) == .noBody)
        #expect(try framing([("Content-Length", "0")]) == .noBody)
        #expect(try framing([("Content-Length", "12")]) == .contentLength(12))
        #expect(try framing([("Content-Length", "12, 12"), ("content-length", " 12")]) == .contentLength(12))
        #expect(try framing([("Transfer-Encoding", "Chunked")]) == .chunked)
        #expect(try framing([("Transfer-Encoding", " chunked ")]) == .chunked)
        #expect(try framing([], method: .CONNECT) == .noBody)
    }

    @Test func refusedFramings() {
        let refused: [([(String, String)], HTTPMethod, HTTPVersion)] = [
            ([("Transfer-Encoding", "gzip, chunked")], .POST, .http1_1),
            ([("Transfer-Encoding", "chunked, gzip")], .POST, .http1_1),
            ([("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")], .POST, .http1_1),
            ([("Transfer-Encoding", "")], .POST, .http1_1),
            ([("Transfer-Encoding", "chunked"), ("Content-Length", "3")], .POST, .http1_1),
            ([("Transfer-Encoding", "chunked")], .POST, .http1_0),
            ([("Content-Length", "3"), ("Content-Length", "4")], .POST, .http1_1),
            ([("Content-Length", "-1")], .POST, .http1_1),
            ([("Content-Length", "0x10")], .POST, .http1_1),
            ([("Content-Length", "")], .POST, .http1_1),
            ([("Content-Length", "99999999999999999999")], .POST, .http1_1),
            ([("Content-Length", "3")], .TRACE, .http1_1),
            ([("Transfer-Encoding", "chunked")], .CONNECT, .http1_1),
            ([("Host", "a"), ("host", "b")], .GET, .http1_1),
        ]
        for (headers, method, version) in refused {
            #expect(throws: RequestFraming.Violation.self, "\(method) \(headers)") {
                try framing(headers, method: method, version: version)
            }
        }
    }

    @Test func canonicalHeadersAreWrittenOnlyWhenNeeded() {
        var spelled = HTTPHeaders([("Transfer-Encoding", "Chunked"), ("X", "1")])
        RequestFraming.chunked.canonicalize(&spelled)
        #expect(spelled["transfer-encoding"] == ["chunked"] && spelled["x"] == ["1"])
        var repeated = HTTPHeaders([("Content-Length", "5, 5")])
        RequestFraming.contentLength(5).canonicalize(&repeated)
        #expect(repeated["content-length"] == ["5"])
        var plain = HTTPHeaders([("content-length", "5")])
        RequestFraming.contentLength(5).canonicalize(&plain)
        #expect(plain == HTTPHeaders([("content-length", "5")]))
    }
}
