import SwitchyardTraffic
import Testing

@testable import SwitchyardProxy

/// The DNS wire format on crafted bytes: a query as servers expect it, compressed answers, and malformed replies
/// (truncated, a pointer loop) refused rather than trapped on.
struct DNSMessageTests {
    @Test func aQueryAsksOneQuestionWithRecursion() {
        #expect(
            DNSMessage.query(id: 0x1234, name: "a.test", type: .aaaa)
                == [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 97, 4, 116, 101, 115, 116, 0, 0, 28, 0, 1])
    }

    /// A reply to `a.test SRV` with an SRV answer whose owner and target names point back at the question.
    static let srvReply: [UInt8] =
        [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0]
        + [1, 97, 4, 116, 101, 115, 116, 0, 0, 33, 0, 1]
        + [0xc0, 12, 0, 33, 0, 1, 0, 0, 0, 30, 0, 8, 0, 1, 0, 2, 0x1f, 0x90, 0xc0, 12]
        + [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 127, 0, 0, 1]

    @Test func compressedAnswersAreRead() throws {
        let reply = try DNSMessage.response(Self.srvReply, type: .srv)
        #expect(reply.id == 0x1234)
        #expect(reply.records == [.service(target: "a.test", port: 8080, priority: 1, weight: 2, ttl: 30)])
        let addresses = try DNSMessage.response(Self.srvReply, type: .a)
        #expect(addresses.records == [.address(IPAddress(v4: 0x7f00_0001), ttl: 30)], "only the type asked for")
        #expect(!reply.isTruncated)
    }

    @Test func theTruncatedFlagIsRead() throws {
        // A header alone with TC (0x02 in the third byte) set, as a server sends an answer too big for UDP.
        let truncated = try DNSMessage.response([0x12, 0x34, 0x83, 0x80, 0, 0, 0, 0, 0, 0, 0, 0], type: .a)
        #expect(truncated.isTruncated && truncated.records.isEmpty)
    }

    @Test func malformedRepliesAreRefused() {
        for length in [3, 20, Self.srvReply.count - 1] {
            #expect(throws: DNSMessage.MalformedMessage.self) {
                try DNSMessage.response(Array(Self.srvReply.prefix(length)), type: .srv)
            }
        }
        let loop: [UInt8] = [0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]
        #expect(throws: DNSMessage.MalformedMessage.self) { try DNSMessage.response(loop, type: .a) }
    }
}
