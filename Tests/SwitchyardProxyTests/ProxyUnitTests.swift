import Foundation
import NIOCore
import NIOHTTP1
import SwitchyardBalancing
import Testing

@testable import SwitchyardProxy

struct ProxyDestinationTests {
    @Test func absoluteURIs() {
        let plain = ProxyDestination.parseAbsoluteURI("http://Example.com/a/b?c=d#frag")
        #expect(plain == ProxyDestination(host: "Example.com", port: 80, originForm: "/a/b?c=d"))
        #expect(plain?.hostHeader == "Example.com")
        let withPort = ProxyDestination.parseAbsoluteURI("HTTP://127.0.0.1:8080")
        #expect(withPort == ProxyDestination(host: "127.0.0.1", port: 8080, originForm: "/"))
        #expect(withPort?.hostHeader == "127.0.0.1:8080")
        let v6 = ProxyDestination.parseAbsoluteURI("http://[::1]:81?q")
        #expect(v6 == ProxyDestination(host: "::1", port: 81, originForm: "/?q"))
        #expect(v6?.hostHeader == "[::1]:81")
        // Sliced by bytes: text that is not ASCII around the cuts stays whole.
        #expect(ProxyDestination.parseAbsoluteURI("http://a.com/é?x=é#é")?.originForm == "/é?x=é")
        #expect(ProxyDestination.parseAbsoluteURI("http://é.com/") == nil)
        #expect(ProxyDestination.parseAbsoluteURI("http://a.com:8é/") == nil)
    }

    @Test func rejectedTargets() {
        for uri in ["/relative", "https://a.com/", "http://", "http://user@a.com/", "http://a.com:0/", "http://a.com:99999/",
                    "http://a b.com/", "http://a.com:x/", "http://[::1/"] {
            #expect(ProxyDestination.parseAbsoluteURI(uri) == nil, "\(uri)")
        }
    }

    @Test func connectAuthorities() {
        #expect(ProxyDestination.parseConnectAuthority("a.com:443") == ProxyDestination(host: "a.com", port: 443, originForm: nil))
        #expect(ProxyDestination.parseConnectAuthority("[2001:db8::1]:8443")?.host == "2001:db8::1")
        #expect(ProxyDestination.parseConnectAuthority("a.com") == nil)
        #expect(ProxyDestination.parseConnectAuthority("a.com:") == nil)
        #expect(ProxyDestination.parseConnectAuthority("::1:443") == nil)
    }
}

struct HopByHopHeadersTests {
    @Test func stripsConnectionScopedHeaders() {
        var headers: HTTPHeaders = [
            "Connection": "keep-alive, X-Custom", "X-Custom": "1", "Keep-Alive": "timeout=5",
            "Proxy-Authorization": "Basic abc", "Proxy-Connection": "keep-alive", "TE": "trailers",
            "Trailer": "X-T", "Upgrade": "websocket", "Transfer-Encoding": "chunked", "Accept": "*/*",
        ]
        HopByHopHeaders.strip(&headers)
        #expect(headers.map(\.name).sorted() == ["Accept", "Transfer-Encoding"])
    }

    @Test func namesAreMatchedIgnoringCaseAndSpacesAndFramingHeadersStay() {
        var headers: HTTPHeaders = [
            "CONNECTION": " x-one ,\tX-TWO\t, Content-Length, HOST,, transfer-ENCODING", "x-One": "1", "X-two": "2",
            "Content-Length": "3", "Host": "a", "UPGRADE": "h2c", "X-Keep": "k",
        ]
        HopByHopHeaders.strip(&headers)
        #expect(headers.map(\.name).sorted() == ["Content-Length", "Host", "X-Keep"])
    }

    @Test func headersWithoutHopByHopOnesAreLeftAsTheyAre() {
        var headers: HTTPHeaders = ["Server": "nginx", "Content-Type": "text/plain", "Content-Length": "100"]
        let before = headers
        HopByHopHeaders.strip(&headers)
        #expect(headers == before)
        #expect("  a b\t".dropFirst(0).trimmingSpaces() == "a b")
        #expect(" \t ".dropFirst(0).trimmingSpaces() == "")
        #expect("Keep-Alive".equalsIgnoringASCIICase("keep-alive"))
        #expect(!"keep-alivf".equalsIgnoringASCIICase("keep-alive"))
        #expect(!"[eep-alive".equalsIgnoringASCIICase("{eep-alive"), "only A-Z fold")
    }
}

struct RequestIDTests {
    @Test func idsAre32LowerCaseHexDigitsAndDiffer() {
        let ids = (0..<1000).map { _ in RequestID.make() }
        #expect(Set(ids).count == 1000)
        for id in ids { #expect(id.utf8.count == 32 && id.utf8.allSatisfy { "0123456789abcdef".utf8.contains($0) }) }
        #expect(Set(ids.map { $0.prefix(1) }).count > 8, "every digit position varies, the first included")
    }
}

struct ProxyAuthenticatorTests {
    let authenticator = ProxyAuthenticator(users: [("alice", "s3cret"), ("bob", "pa:ss")])

    @Test func acceptsConfiguredUsers() {
        #expect(authenticator.check(["Basic YWxpY2U6czNjcmV0"]) == .authenticated(SessionLogin(user: "alice")))
        #expect(authenticator.check(["basic Ym9iOnBhOnNz"]) == .authenticated(SessionLogin(user: "bob")))
    }

    @Test func credentialsAreReadOnlyUpToTheLongestTheConfigAllows() {
        func basic(_ credential: String) -> String { "Basic " + Data(credential.utf8).base64EncodedString() }
        let longest = "u:" + String(repeating: "p", count: 510)  // 512 bytes: the config's limit
        let tooLong = "v:" + String(repeating: "p", count: 900)  // only possible by bypassing the config
        let authenticator = ProxyAuthenticator(users: [("u", String(longest.dropFirst(2))), ("v", String(tooLong.dropFirst(2)))])
        #expect(authenticator.check([basic(longest)]) == .authenticated(SessionLogin(user: "u")))
        #expect(authenticator.check([basic(tooLong)]) == .rejected, "a header over the limit is not even decoded")
        #expect(authenticator.check(["Basic " + String(repeating: "A", count: 24_000)]) == .rejected)
    }

    @Test func rejectsEverythingElse() {
        #expect(authenticator.check([]) == .missing)
        #expect(authenticator.check(["Basic YWxpY2U6d3Jvbmc="]) == .rejected)
        #expect(authenticator.check(["Bearer YWxpY2U6czNjcmV0"]) == .rejected)
        #expect(authenticator.check(["Basic !!!"]) == .rejected)
        #expect(authenticator.check(["Basic YWxpY2U6czNjcmV0ZXh0cmE="]) == .rejected)
    }

    @Test func sessionLoginsAreCheckedAsTheirUser() {
        func basic(_ credential: String) -> String { "Basic " + Data(credential.utf8).base64EncodedString() }
        let sessions = ProxyAuthenticator(users: [("alice", "s3cret")], sessionLogins: true)
        #expect(
            sessions.check([basic("alice-session-abc123:s3cret")])
                == .authenticated(SessionLogin(user: "alice", session: "abc123")))
        #expect(sessions.check([basic("alice:s3cret")]) == .authenticated(SessionLogin(user: "alice")))
        #expect(sessions.check([basic("alice-session-abc123:wrong")]) == .rejected)
        #expect(sessions.check([basic("mallory-session-abc123:s3cret")]) == .rejected)
        #expect(sessions.check(username: "alice-session-x", password: "s3cret".utf8)?.session == "x")
        #expect(
            authenticator.check([basic("alice-session-abc123:s3cret")]) == .rejected,
            "without username_session the whole login is the user name")
    }

    @Test func base64() {
        #expect(Base64.decode("aGVsbG8=") == Array("hello".utf8))
        #expect(Base64.decode("aGVsbG8") == Array("hello".utf8))
        #expect(Base64.decode("aGVs=bG8") == nil)
        #expect(Base64.decode("a") == nil)
    }

    @Test func constantTimeEquality() {
        #expect(ProxyAuthenticator.constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!ProxyAuthenticator.constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!ProxyAuthenticator.constantTimeEquals([1, 2, 3], [1, 2]))
        #expect(!ProxyAuthenticator.constantTimeEquals([], [0]))
    }
}

/// Addresses, numbers and causes as operators read them in logs, `/stats` and the dashboard.
@Suite struct OperatorTextTests {
    @Test func addressesReadAsWritten() throws {
        #expect(try SocketAddress(ipAddress: "127.0.0.1", port: 3128).endpoint == "127.0.0.1:3128")
        #expect(try SocketAddress(ipAddress: "::1", port: 8443).endpoint == "[::1]:8443")
    }

    @Test func aRefusedHealthCheckGivesAShortCause() throws {
        let route = try UpstreamRoute(PoolTargetAddress(id: "127.0.0.2", sourceIP: "127.0.0.2"))
        let refused = IOError(errnoCode: ECONNREFUSED, reason: "connect")
        #expect(UpstreamFailure(refused, host: "127.0.0.1", port: 9, route: route).description == "connection refused by 127.0.0.1:9")
    }
}
