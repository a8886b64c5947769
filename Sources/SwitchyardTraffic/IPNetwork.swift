#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address as a value, for matching against networks. An IPv4-mapped IPv6 address
/// (`::ffff:127.0.0.1`) is the IPv4 address it maps: the socket layer connects to that one.
public struct IPAddress: Hashable, Sendable, CustomStringConvertible {
    public enum Family: Sendable { case v4, v6 }

    public let family: Family
    /// The 128 bits of an IPv6 address; an IPv4 address in the low 32 bits of `low`.
    let high: UInt64
    let low: UInt64

    public init(v4 value: UInt32) {
        self.init(family: .v4, high: 0, low: UInt64(value))
    }

    private init(family: Family, high: UInt64, low: UInt64) {
        self.family = family
        self.high = high
        self.low = low
    }

    /// An IPv6 address from its 16 bytes in network order.
    public init<Bytes: Collection<UInt8>>(v6 bytes: Bytes) {
        precondition(bytes.count == 16, "an IPv6 address has 16 bytes")
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        if high == 0, low >> 32 == 0xffff {
            self.init(v4: UInt32(truncatingIfNeeded: low))
        } else {
            self.init(family: .v6, high: high, low: low)
        }
    }

    /// Parses an address literal the way the socket layer reads one (`inet_pton`); IPv6 without brackets or zone.
    /// Runs on every forward request (is the destination an address or a name?), so IPv4 is read from the bytes and
    /// only text with a colon is handed to `inet_pton`, which costs a C string each call.
    public init?(_ text: String) {
        if let v4 = Self.parseIPv4(text.utf8) {
            self.init(v4: v4)
            return
        }
        guard text.utf8.contains(UInt8(ascii: ":")) else { return nil }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        self.init(v6: bytes)
    }

    /// Dotted-decimal IPv4 as `inet_pton(AF_INET, ...)` reads it: exactly four parts of 1 to 3 digits, each at most
    /// 255, no leading zeros.
    static func parseIPv4(_ bytes: String.UTF8View) -> UInt32? {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var parts = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | part
                parts += 1
                part = 0
                digits = 0
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                guard digits == 0 || part != 0 else { return nil }  // a leading zero
                part = part * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard part <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        return value << 8 | part
    }

    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public var bytes: [UInt8] {
        switch family {
        case .v4: (0..<4).map { UInt8(truncatingIfNeeded: low >> (24 - 8 * $0)) }
        case .v6: (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        }
    }

    /// The address with only its first `length` bits kept (`0...32` for IPv4, `0...128` for IPv6).
    func prefix(_ length: Int) -> (high: UInt64, low: UInt64) {
        switch family {
        case .v4:
            return (0, length == 0 ? 0 : low & (UInt64(UInt32.max) << (32 - length)) & UInt64(UInt32.max))
        case .v6:
            let highMask: UInt64 = length >= 64 ? .max : (length == 0 ? 0 : .max << (64 - length))
            let lowMask: UInt64 = length <= 64 ? 0 : (length == 128 ? .max : .max << (128 - length))
            return (high & highMask, low & lowMask)
        }
    }

    public var description: String {
        switch family {
        case .v4:
            let value = UInt32(truncatingIfNeeded: low)
            return (0..<4).map { String(value >> (24 - 8 * $0) & 0xff) }.joined(separator: ".")
        case .v6:
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { raw in
                for index in 0..<8 { raw[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * index)) }
                for index in 0..<8 { raw[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * index)) }
            }
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            guard inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count)) != nil else { return "?" }
            return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
    }
}

/// A block of addresses in CIDR notation: `10.0.0.0/8`, `fe80::/10`, or one address (`/32`, `/128` implied).
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    /// Parses `ADDRESS/LENGTH` or a single address; nil when the text is neither, or the length is out of range.
    /// Bits past the prefix are ignored (`10.1.2.3/8` is `10.0.0.0/8`).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = IPAddress(String(parts[0])) else { return nil }
        let maximum = address.family == .v4 ? 32 : 128
        var length = maximum
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(parts[1]),
                value <= maximum
            else { return nil }
            length = value
        }
        self.address = address
        self.prefixLength = length
    }

    /// Whether `candidate` lies in the block (never across address families).
    public func contains(_ candidate: IPAddress) -> Bool {
        guard candidate.family == address.family else { return false }
        return candidate.prefix(prefixLength) == address.prefix(prefixLength)
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
