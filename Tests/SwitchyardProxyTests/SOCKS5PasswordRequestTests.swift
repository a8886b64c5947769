import NIOCore
import Testing

@testable import SwitchyardProxy

/// The server side of RFC 1929: whole messages only, however the bytes arrive.
@Suite struct SOCKS5PasswordRequestTests {
    private func bytes(_ name: String, _ password: String) -> [UInt8] {
        [0x01, UInt8(name.utf8.count)] + Array(name.utf8) + [UInt8(password.utf8.count)] + Array(password.utf8)
    }

    @Test func aWholeMessageIsReadAndConsumed() {
        var buffer = ByteBuffer(bytes: bytes("alice", "s3cret") + [0xAA])
        #expect(SOCKS5PasswordRequest.parse(&buffer) == .complete(.init(username: "alice", password: "s3cret")))
        #expect(buffer.readableBytesView.elementsEqual([0xAA]), "nothing past the message is read")
    }

    @Test func everySplitWaitsForTheRest() {
        let message = bytes("bob", "")
        for cut in 0..<message.count {
            var buffer = ByteBuffer(bytes: message[..<cut])
            #expect(SOCKS5PasswordRequest.parse(&buffer) == .incomplete, "cut at \(cut)")
            #expect(buffer.readableBytes == cut, "nothing consumed")
        }
        var whole = ByteBuffer(bytes: message)
        #expect(SOCKS5PasswordRequest.parse(&whole) == .complete(.init(username: "bob", password: "")))
    }

    @Test func aWrongVersionOrAnEmptyNameIsMalformed() {
        var wrongVersion = ByteBuffer(bytes: [0x05, 0x01, 0x61, 0x00])
        #expect(SOCKS5PasswordRequest.parse(&wrongVersion) == .malformed)
        var emptyName = ByteBuffer(bytes: [0x01, 0x00, 0x00])
        #expect(SOCKS5PasswordRequest.parse(&emptyName) == .malformed)
        #expect(SOCKS5PasswordRequest.reply(succeeded: false) == [0x01, 0x01])
    }
}
