/// An upstream proxy an egress target leaves through: `http://[user[:password]@]host:port` (a forward proxy reached
/// with CONNECT or absolute-form requests) or `socks5://[user[:password]@]host:port` (RFC 1928, with RFC 1929
/// username/password). Credentials are URL-encoded in the text (`user%40corp:p%40ss`) and decoded here.
public struct UpstreamProxyURL: Sendable, Equatable, CustomStringConvertible {
    /// The protocol spoken to the upstream.
    public enum Kind: String, Sendable {
        case http, socks5
    }

    public var kind: Kind
    /// Host name or IP literal, without IPv6 brackets.
    public var host: String
    public var port: Int
    /// The decoded username; nil without credentials.
    public var username: String?
    /// The decoded password; nil when none is given (a username alone sends an empty password).
    public var password: String?

    /// The longest username or password a SOCKS5 upstream accepts (RFC 1929 sends each with a one-byte length).
    static let maxSOCKSCredentialBytes = 255

    /// Parses `text`, or throws a message saying what is wrong with it.
    public init(parsing text: String) throws(Problem) {
        guard let schemeEnd = text.firstRange(of: "://") else {
            throw Problem("\"\(Self.redacting(text))\" is not an http:// or socks5:// URL")
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard let kind = Kind(rawValue: scheme) else {
            let hint = scheme == "https" ? " (TLS to an upstream proxy is not supported yet)" : ""
            throw Problem("unsupported scheme \"\(scheme)\": expected http:// or socks5://\(hint)")
        }
        var rest = text[schemeEnd.upperBound...]
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let colon = userInfo.firstIndex(of: ":")
            let invalidEscape = Problem("the credentials of \"\(Self.redacting(text))\" have an invalid %-escape")
            guard let user = Self.percentDecoded(userInfo[..<(colon ?? userInfo.endIndex)]) else { throw invalidEscape }
            guard !user.isEmpty else { throw Problem("\"\(Self.redacting(text))\" names a password but no user") }
            if let colon {
                guard let decoded = Self.percentDecoded(userInfo[userInfo.index(after: colon)...]) else {
                    throw invalidEscape
                }
                password = decoded
            }
            username = user
        }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("#") else {
            throw Problem("\"\(Self.redacting(text))\" must be scheme://[user:password@]host:port with no path")
        }
        let host: Substring
        let portText: Substring
        if rest.first == "[" {
            guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].first == ":" else {
                throw Problem("\"\(Self.redacting(text))\" must name a port, e.g. [::1]:1080")
            }
            host = rest[rest.index(after: rest.startIndex)..<close]
            portText = rest[rest.index(close, offsetBy: 2)...]
        } else {
            guard let colon = rest.lastIndex(of: ":") else {
                throw Problem("\"\(Self.redacting(text))\" must name a port, e.g. 127.0.0.1:3128")
            }
            host = rest[..<colon]
            portText = rest[rest.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(":") || rest.first == "[" else {
            throw Problem("\"\(Self.redacting(text))\" has no valid host")
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw Problem("\"\(Self.redacting(text))\" has an invalid port")
        }
        if kind == .http, username?.contains(":") == true {
            throw Problem("the username of an http:// upstream must not contain \":\" (Basic credentials)")
        }
        if kind == .socks5,
            (username?.utf8.count ?? 0) > Self.maxSOCKSCredentialBytes
                || (password?.utf8.count ?? 0) > Self.maxSOCKSCredentialBytes
        {
            throw Problem("a SOCKS5 username and password are at most 255 bytes each (RFC 1929)")
        }
        self.kind = kind
        self.host = String(host)
        self.port = port
        self.username = username
        self.password = password
    }

    /// What is wrong with `text` as an upstream URL, or nil when it is usable.
    public static func problem(with text: String) -> String? {
        do {
            _ = try UpstreamProxyURL(parsing: text)
            return nil
        } catch {
            return error.message
        }
    }

    /// `host:port`, with brackets around an IPv6 host.
    public var authority: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The URL without its password, for identities, logs, metrics and the admin API: `http://user@host:port`.
    public var description: String {
        let user = username.map { Self.percentEncoded($0) + "@" } ?? ""
        return "\(kind.rawValue)://\(user)\(authority)"
    }

    /// `text` with its password (if any) replaced by the redaction placeholder; the text itself when it has none.
    public static func redacting(_ text: String) -> String {
        guard let schemeEnd = text.firstRange(of: "://"), let at = text[schemeEnd.upperBound...].lastIndex(of: "@"),
            let colon = text[schemeEnd.upperBound..<at].firstIndex(of: ":")
        else { return text }
        return text[...colon] + RedactedSecrets.placeholder + text[at...]
    }

    /// Why a text is not an upstream URL.
    public struct Problem: Error {
        public var message: String
        init(_ message: String) { self.message = message }
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.popFirst() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
            utf8 = utf8.dropFirst(2)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func percentEncoded(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-._~".unicodeScalars.contains(scalar) {
                result.unicodeScalars.append(scalar)
            } else {
                result += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return result
    }
}
