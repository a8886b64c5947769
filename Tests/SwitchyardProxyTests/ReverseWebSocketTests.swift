import Testing

/// A WebSocket conversation through a reverse listener: upgrade, messages both ways, close.
@Suite(.timeLimit(.minutes(1)))
struct ReverseWebSocketTests {
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
                try client.sendWebSocketFrame(opcode: 0x1, message)
                let (opcode, text) = try client.receiveWebSocketFrame()
                #expect(opcode == 0x1)
                #expect(text == message)
            }
            try client.sendWebSocketFrame(opcode: 0x8, "")
            let (closeOpcode, _) = try client.receiveWebSocketFrame()
            #expect(closeOpcode == 0x8)
            #expect(try client.receiveAll() == "")
        }
    }
}
