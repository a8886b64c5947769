import Testing

/// A WebSocket conversation through a reverse listener: upgrade, messages both ways, close.
@Suite(.timeLimit(.minutes(1)))
struct ReverseWebSocketTests {
    /// A masked client text frame (RFC 6455 §5.2), payload under 126 bytes.
    private func clientFrame(opcode: UInt8, _ text: String) -> [UInt8] {
        let payload = Array(text.utf8)
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        return [0x80 | opcode, 0x80 | UInt8(payload.count)] + mask
            + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }

    /// Reads one unmasked server frame (short payload): opcode and payload text.
    private func serverFrame(_ client: RawClient) throws -> (UInt8, String) {
        var bytes: [UInt8] = []
        while bytes.count < 2 || bytes.count < 2 + Int(bytes[1] & 0x7F) {
            let chunk = try client.receive()
            if chunk.isEmpty { break }
            bytes += chunk
        }
        return (bytes[0] & 0x0F, String(decoding: bytes.dropFirst(2), as: UTF8.self))
    }

    @Test func echoThroughTheProxy() async throws {
        try await withResources { resources in
            let backend = resources.track(try await WebSocketEchoServer.start(group: resources.group))
            let yaml = ReverseSetup.yaml(
                routes: "      - pool: ws", pools: [.init(name: "ws", ports: [backend.localAddress!.port!])])
            let proxy = resources.track(try await ProxyHarness(yaml: yaml))

            let client = try RawClient(port: proxy.port)
            try client.send(
                "GET /chat HTTP/1.1\r\nHost: chat.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
            let head = try client.receive(until: "\r\n\r\n")
            #expect(head.hasPrefix("HTTP/1.1 101"), "\(head)")
            #expect(head.lowercased().contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="))
            #expect(head.lowercased().contains("upgrade: websocket"))

            for message in ["hello", "second message", "third"] {
                try client.send(clientFrame(opcode: 0x1, message))
                let (opcode, text) = try serverFrame(client)
                #expect(opcode == 0x1)
                #expect(text == message)
            }
            try client.send(clientFrame(opcode: 0x8, ""))
            let (closeOpcode, _) = try serverFrame(client)
            #expect(closeOpcode == 0x8)
            #expect(try client.receiveAll() == "")
        }
    }
}
