import Testing

@testable import SwitchyardProxy

/// The SOCKS5 client handshake as a pure state machine: the bytes it sends for each server answer (RFC 1928 and
/// RFC 1929), with no network.
@Suite struct SOCKS5ClientHandshakeTests {
    private static let connected: [UInt8] = [5, 0, 0, 1, 10, 0, 0, 1, 0x1f, 0x90]

    @Test func withoutCredentialsItOffersNoAuthenticationAndSendsTheNameUnresolved() {
        var handshake = SOCKS5ClientHandshake(host: "example.com", port: 443, credentials: nil)
        #expect(handshake.start() == [5, 1, 0])
        #expect(handshake.receive([5, 0]) == .send([5, 1, 0, 3, 11] + Array("example.com".utf8) + [1, 0xbb]))
        #expect(handshake.receive(Self.connected) == .established(leftover: []))
    }

    @Test func withCredentialsItAuthenticatesWhenAsked() {
        var handshake = SOCKS5ClientHandshake(host: "127.0.0.1", port: 8080, credentials: ("user", "pw"))
        #expect(handshake.start() == [5, 2, 0, 2])
        #expect(handshake.receive([5, 2]) == .send([1, 4] + Array("user".utf8) + [2] + Array("pw".utf8)))
        #expect(handshake.receive([1, 0]) == .send([5, 1, 0, 1, 127, 0, 0, 1, 0x1f, 0x90]))
        #expect(handshake.receive(Self.connected + Array("SSH-2.0".utf8)) == .established(leftover: Array("SSH-2.0".utf8)))
    }

    @Test func anIPv6LiteralIsSentAsAnAddress() {
        var handshake = SOCKS5ClientHandshake(host: "::1", port: 80, credentials: nil)
        _ = handshake.start()
        #expect(handshake.receive([5, 0]) == .send([5, 1, 0, 4] + [UInt8](repeating: 0, count: 15) + [1, 0, 80]))
    }

    @Test func repliesSplitAcrossReadsAreReassembled() {
        var handshake = SOCKS5ClientHandshake(host: "h", port: 1, credentials: ("u", "p"))
        _ = handshake.start()
        #expect(handshake.receive([5]) == .waitForMore)
        #expect(handshake.receive([2]) == .send([1, 1, UInt8(ascii: "u"), 1, UInt8(ascii: "p")]))
        #expect(handshake.receive([1]) == .waitForMore)
        #expect(handshake.receive([0]) == .send([5, 1, 0, 3, 1, UInt8(ascii: "h"), 0, 1]))
        let reply: [UInt8] = [5, 0, 0, 3, 4] + Array("name".utf8) + [0, 80]
        for byte in reply.dropLast() { #expect(handshake.receive([byte]) == .waitForMore) }
        #expect(handshake.receive([reply.last!]) == .established(leftover: []))
    }

    @Test func failuresAreNamed() {
        func outcome(credentials: (String, String)?, _ replies: [[UInt8]]) -> SOCKS5ClientHandshake.Action {
            var handshake = SOCKS5ClientHandshake(host: "h", port: 1, credentials: credentials)
            _ = handshake.start()
            var last = SOCKS5ClientHandshake.Action.waitForMore
            for reply in replies { last = handshake.receive(reply) }
            return last
        }
        #expect(outcome(credentials: ("u", "p"), [[5, 2], [1, 1]]) == .failed(.credentialsRejected))
        #expect(outcome(credentials: nil, [[5, 2]]) == .failed(.noAcceptableMethod))
        #expect(outcome(credentials: ("u", "p"), [[5, 0xff]]) == .failed(.noAcceptableMethod))
        #expect(outcome(credentials: nil, [[5, 0], [5, 4, 0, 1]]) == .failed(.replied(4)))
        #expect(outcome(credentials: nil, [[4, 0]]) == .failed(.malformed("version 4")))
        #expect(outcome(credentials: nil, [[5, 0], [5, 0, 0, 9, 0]]) == .failed(.malformed("address type 9")))
        #expect(SOCKS5ClientHandshake.Failure.replied(5).description == "could not connect to the destination: connection refused")
    }

    @Test func base64EncodesUpstreamCredentials() {
        #expect(Base64.encode(Array("user:pass".utf8)) == "dXNlcjpwYXNz")
        #expect(Base64.encode(Array("a".utf8)) == "YQ==")
        #expect(Base64.encode(Array("ab".utf8)) == "YWI=")
        #expect(Base64.decode(Base64.encode(Array("p@ss:wörd".utf8))) == Array("p@ss:wörd".utf8))
    }
}
