/// WebSocket framing (RFC 6455 §5.2) for test clients: short text and control frames only.
extension RawClient {
    /// Sends one masked client frame with a payload under 126 bytes.
    func sendWebSocketFrame(opcode: UInt8, _ text: String) throws {
        let payload = Array(text.utf8)
        let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
        try send(
            [0x80 | opcode, 0x80 | UInt8(payload.count)] + mask
                + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
    }

    /// Reads one unmasked server frame with a short payload: its opcode and payload text.
    func receiveWebSocketFrame() throws -> (opcode: UInt8, text: String) {
        var bytes: [UInt8] = []
        while bytes.count < 2 || bytes.count < 2 + Int(bytes[1] & 0x7F) {
            let chunk = try receive()
            if chunk.isEmpty { break }
            bytes += chunk
        }
        guard bytes.count >= 2 else { throw Failure(description: "closed before a WebSocket frame") }
        return (bytes[0] & 0x0F, String(decoding: bytes.dropFirst(2), as: UTF8.self))
    }
}
