import NIOCore
import NIOEmbedded
import Testing

@testable import SwitchyardProxy

/// The bytes behind an HTTP upstream's CONNECT answer never reach the HTTP decoder: they wait until the splitter
/// leaves the pipeline.
@Suite struct ConnectResponseSplitterTests {
    private func drain(_ channel: EmbeddedChannel) throws -> [String] {
        var parts: [String] = []
        while let buffer = try channel.readInbound(as: ByteBuffer.self) { parts.append(String(buffer: buffer)) }
        return parts
    }

    @Test func theHeadPassesAndWhatFollowsItWaitsForTheRemoval() throws {
        let channel = EmbeddedChannel()
        let splitter = ConnectResponseSplitter()
        try channel.pipeline.syncOperations.addHandler(splitter)
        for part in ["HTTP/1.1 200 OK\r\nVia: x\r\r\n", "\r", "\nSSH-2.0", "-banner\r\n"] {
            try channel.writeInbound(ByteBuffer(string: part))
        }
        #expect(try drain(channel) == ["HTTP/1.1 200 OK\r\nVia: x\r\r\n", "\r", "\n"])
        try channel.pipeline.syncOperations.removeHandler(splitter).wait()
        #expect(try drain(channel) == ["SSH-2.0", "-banner\r\n"])
        try channel.writeInbound(ByteBuffer(string: "later"))
        #expect(try drain(channel) == ["later"])
        _ = try channel.finish()
    }

    @Test func aHeadAndTheFirstBytesInOneReadAreSplit() throws {
        let channel = EmbeddedChannel()
        let splitter = ConnectResponseSplitter()
        try channel.pipeline.syncOperations.addHandler(splitter)
        try channel.writeInbound(ByteBuffer(string: "HTTP/1.1 200 Connection established\r\n\r\n220 smtp ready\r\n"))
        #expect(try drain(channel) == ["HTTP/1.1 200 Connection established\r\n\r\n"])
        try channel.pipeline.syncOperations.removeHandler(splitter).wait()
        #expect(try drain(channel) == ["220 smtp ready\r\n"])
        _ = try channel.finish()
    }
}
