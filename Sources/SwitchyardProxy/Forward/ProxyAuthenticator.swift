import SwitchyardBalancing

/// Checks `Proxy-Authorization: Basic ...` against the configured users.
///
/// With `sessionLogins` (a pool whose sticky key is `username_session`), a login `alice-session-abc123` is checked as
/// user `alice` and names session `abc123` (`SessionLogin`). Every configured credential is compared, each in constant time, so neither the user name nor how much of
/// the password matched shows in the timing. Passwords are never logged; only the user name of a success is
/// returned, for the access log.
struct ProxyAuthenticator: Sendable {
    /// The verdict on one request's credentials.
    enum Outcome: Equatable {
        /// The user checked, and the session its login named.
        case authenticated(SessionLogin)
        case missing
        case rejected
    }

    private let credentials: [[UInt8]]
    private let sessionLogins: Bool

    init(users: [(username: String, password: String)], sessionLogins: Bool = false) {
        self.credentials = users.map { Array("\($0.username):\($0.password)".utf8) }
        self.sessionLogins = sessionLogins
    }

    /// The longest `Proxy-Authorization` value looked at: room for `Basic ` and the base64 of the longest credential
    /// the config allows (`AuthSettings.maxCredentialBytes`, 512 bytes, encode to 684). A longer value cannot match
    /// and is refused before any decoding or comparing, so a huge header costs no work.
    static let maxHeaderBytes = 1024

    func check(_ headerValues: [String]) -> Outcome {
        guard let header = headerValues.first else { return .missing }
        guard header.utf8.count <= Self.maxHeaderBytes else { return .rejected }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let decoded = Base64.decode(String(parts[1].trimmingSpaces())),
            let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
        else { return .rejected }
        let login = check(
            username: String(decoding: decoded[..<colon], as: UTF8.self), password: decoded[(colon + 1)...])
        return login.map { .authenticated($0) } ?? .rejected
    }

    /// Checks a user name and password given apart (SOCKS5's RFC 1929 login, at most 255 bytes each) the same
    /// way: every credential compared in constant time.
    /// - Returns: the user checked and the session its login named, on a match; else nil.
    func check(username: String, password: some Collection<UInt8>) -> SessionLogin? {
        let login = sessionLogins ? SessionLogin(username) : SessionLogin(user: username)
        let given = Array("\(login.user):".utf8) + password
        var matched = false
        for credential in credentials where Self.constantTimeEquals(credential, given) {
            matched = true
        }
        return matched ? login : nil
    }

    /// Compares two byte strings in time that depends only on their lengths.
    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: lhs.count ^ rhs.count)
        let count = max(lhs.count, rhs.count)
        for index in 0..<count {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}

/// Standard base64 (RFC 4648 §4): decoding clients' credentials (padding optional), encoding upstream proxies'. NIO
/// keeps its codec internal.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: some Collection<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = iterator.next()
            let group = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            output.append(alphabet[Int(group >> 18 & 63)])
            output.append(alphabet[Int(group >> 12 & 63)])
            output.append(second == nil ? UInt8(ascii: "=") : alphabet[Int(group >> 6 & 63)])
            output.append(third == nil ? UInt8(ascii: "=") : alphabet[Int(group & 63)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        var sawPadding = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") {
                sawPadding = true
                continue
            }
            guard !sawPadding, let value = sextet(byte) else { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        return bits < 6 ? output : nil
    }

    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
