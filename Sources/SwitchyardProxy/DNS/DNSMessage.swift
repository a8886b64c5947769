import SwitchyardTraffic

/// The DNS wire format (RFC 1035) as far as a stub resolver needs it: one question out, the answers to it back
/// (A, AAAA and SRV records, with their TTLs). Pure: bytes in, values out.
enum DNSMessage {
    /// A record type Switchyard asks for.
    enum RecordType: UInt16, Sendable {
        case a = 1
        case aaaa = 28
        case srv = 33
    }

    /// One answer record.
    enum Record: Equatable, Sendable {
        case address(IPAddress, ttl: UInt32)
        case service(target: String, port: Int, priority: Int, weight: Int, ttl: UInt32)

        var ttl: UInt32 {
            switch self {
            case .address(_, let ttl), .service(_, _, _, _, let ttl): ttl
            }
        }
    }

    /// What a server answered. A name that does not exist, or a server failure, has no records, as an empty answer
    /// has; a truncated answer (over UDP) is read as far as it goes.
    struct Response: Equatable {
        var id: UInt16
        /// The records answering the question; CNAMEs are followed by the server, so only their ends are here.
        var records: [Record]
        /// The TC flag: the whole answer did not fit in the UDP datagram, and is to be asked for again over TCP.
        var isTruncated = false
    }

    struct MalformedMessage: Error {}

    /// A query for `name`'s records of `type`, recursion desired.
    static func query(id: UInt16, name: String, type: RecordType) -> [UInt8] {
        var bytes: [UInt8] = [
            UInt8(id >> 8), UInt8(id & 0xff),
            0x01, 0x00,  // RD
            0x00, 0x01,  // one question
            0, 0, 0, 0, 0, 0,
        ]
        for label in name.split(separator: ".") {
            let utf8 = Array(label.utf8.prefix(63))
            bytes.append(UInt8(utf8.count))
            bytes += utf8
        }
        bytes.append(0)
        bytes += [UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xff), 0x00, 0x01]
        return bytes
    }

    /// Reads a response, keeping the answers of `type`.
    static func response(_ bytes: [UInt8], type: RecordType) throws(MalformedMessage) -> Response {
        var reader = Reader(bytes: bytes)
        let id = try reader.uint16()
        let flags = try reader.uint16()
        let questions = try reader.uint16()
        let answers = try reader.uint16()
        try reader.skip(4)
        for _ in 0..<questions {
            _ = try reader.name()
            try reader.skip(4)
        }
        var records: [Record] = []
        for _ in 0..<answers {
            _ = try reader.name()
            let recordType = try reader.uint16()
            try reader.skip(2)
            let ttl = UInt32(try reader.uint16()) << 16 | UInt32(try reader.uint16())
            let length = Int(try reader.uint16())
            let end = reader.offset + length
            guard end <= bytes.count else { throw MalformedMessage() }
            switch RecordType(rawValue: recordType) {
            case .a where type == .a && length == 4:
                let value = bytes[reader.offset..<end].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                records.append(.address(IPAddress(v4: value), ttl: ttl))
            case .aaaa where type == .aaaa && length == 16:
                records.append(.address(IPAddress(v6: bytes[reader.offset..<end]), ttl: ttl))
            case .srv where type == .srv && length > 6:
                let priority = Int(try reader.uint16())
                let weight = Int(try reader.uint16())
                let port = Int(try reader.uint16())
                let target = try reader.name()
                records.append(.service(target: target, port: port, priority: priority, weight: weight, ttl: ttl))
            default:
                break
            }
            reader.offset = end
        }
        return Response(id: id, records: records, isTruncated: flags & 0x0200 != 0)
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func uint16() throws(MalformedMessage) -> UInt16 {
            guard offset + 2 <= bytes.count else { throw MalformedMessage() }
            defer { offset += 2 }
            return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
        }

        mutating func skip(_ count: Int) throws(MalformedMessage) {
            guard offset + count <= bytes.count else { throw MalformedMessage() }
            offset += count
        }

        /// A name, following compression pointers (at most 64, so a pointer loop ends).
        mutating func name() throws(MalformedMessage) -> String {
            var labels: [String] = []
            var position = offset
            var jumps = 0
            var resume: Int?
            while true {
                guard position < bytes.count else { throw MalformedMessage() }
                let length = Int(bytes[position])
                if length == 0 {
                    position += 1
                    break
                }
                if length & 0xc0 == 0xc0 {
                    guard position + 1 < bytes.count, jumps < 64 else { throw MalformedMessage() }
                    if resume == nil { resume = position + 2 }
                    position = (length & 0x3f) << 8 | Int(bytes[position + 1])
                    jumps += 1
                    continue
                }
                guard length < 64, position + 1 + length <= bytes.count else { throw MalformedMessage() }
                labels.append(String(decoding: bytes[(position + 1)..<(position + 1 + length)], as: UTF8.self))
                position += 1 + length
            }
            offset = resume ?? position
            return labels.joined(separator: ".")
        }
    }
}
