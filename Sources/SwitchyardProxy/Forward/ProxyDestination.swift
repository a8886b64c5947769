/// Where a forward-proxy request wants to go, parsed from its request target: an absolute URI
/// (`GET http://host:port/path`) or a CONNECT authority (`CONNECT host:port`).
struct ProxyDestination: Equatable, Sendable {
    /// Host name or IP literal, without IPv6 brackets.
    var host: String
    var port: Int
    /// The origin-form target sent upstream (`/path?query`); nil for CONNECT.
    var originForm: String?

    /// The authority as it belongs in a `Host` header: brackets for IPv6, port omitted when it is 80.
    var hostHeader: String {
        let bracketed = host.utf8.contains(UInt8(ascii: ":")) ? "[" + host + "]" : host
        return port == 80 ? bracketed : bracketed + ":" + String(port)
    }

    /// Parses `http://host[:port][/path][?query]`. Only `http` is accepted: TLS goes through CONNECT.
    static func parseAbsoluteURI(_ uri: String) -> ProxyDestination? {
        // Origin form (`/path`), what nearly every reverse request carries, is never an absolute URI.
        guard uri.utf8.first != UInt8(ascii: "/") else { return nil }
        return parse(uri, allowingTLS: false)?.destination
    }

    /// Parses a backend target's `http://` or `https://` URL; `usesTLS` tells which.
    static func parseBackendURL(_ url: String) -> (destination: ProxyDestination, usesTLS: Bool)? {
        parse(url, allowingTLS: true)
    }

    // The parsers below walk and slice bytes, never Characters (a Character index costs a grapheme-break check): they
    // run on every forward request, and everything they accept is ASCII.
    private static func parse(_ uri: String, allowingTLS: Bool) -> (destination: ProxyDestination, usesTLS: Bool)? {
        let text = uri[...]
        let usesTLS: Bool
        if text.utf8.starts(with: "http://".utf8, by: equalIgnoringASCIICase) {
            usesTLS = false
        } else if allowingTLS, text.utf8.starts(with: "https://".utf8, by: equalIgnoringASCIICase) {
            usesTLS = true
        } else {
            return nil
        }
        let rest = Substring(text.utf8.dropFirst(usesTLS ? 8 : 7))
        let authorityEnd =
            rest.utf8.firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
            ?? rest.endIndex
        guard var destination = parseAuthority(Substring(rest.utf8[..<authorityEnd]), defaultPort: usesTLS ? 443 : 80)
        else { return nil }
        var target = Substring(rest.utf8[authorityEnd...])
        if let fragment = target.utf8.firstIndex(of: UInt8(ascii: "#")) { target = Substring(target.utf8[..<fragment]) }
        destination.originForm = target.isEmpty ? "/" : (target.utf8.first == UInt8(ascii: "?") ? "/" + target : String(target))
        return (destination, usesTLS)
    }

    private static func equalIgnoringASCIICase(_ byte: UInt8, _ lower: UInt8) -> Bool {
        byte == lower || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") && byte &+ 32 == lower)
    }

    /// Parses a CONNECT target, `host:port` (the port is required).
    static func parseConnectAuthority(_ authority: String) -> ProxyDestination? {
        parseAuthority(authority[...], defaultPort: nil)
    }

    private static func parseAuthority(_ authority: Substring, defaultPort: Int?) -> ProxyDestination? {
        let bytes = authority.utf8
        guard !bytes.isEmpty, !bytes.contains(UInt8(ascii: "@")) else { return nil }
        let host: Substring
        let portText: Substring?
        if bytes.first == UInt8(ascii: "[") {
            guard let close = bytes.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            host = Substring(bytes[bytes.index(after: bytes.startIndex)..<close])
            let after = bytes[bytes.index(after: close)...]
            if after.isEmpty {
                portText = nil
            } else {
                guard after.first == UInt8(ascii: ":") else { return nil }
                portText = Substring(after.dropFirst())
            }
        } else if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            host = Substring(bytes[..<colon])
            portText = Substring(bytes[bytes.index(after: colon)...])
            guard !portText!.utf8.contains(UInt8(ascii: ":")) else { return nil }
        } else {
            host = authority
            portText = nil
        }
        guard !host.isEmpty, host.utf8.allSatisfy(Self.isHostByte) else { return nil }
        let port: Int
        if let portText {
            guard let value = parsePort(portText) else { return nil }
            port = value
        } else if let defaultPort {
            port = defaultPort
        } else {
            return nil
        }
        return ProxyDestination(host: String(host), port: port, originForm: nil)
    }

    /// 1 to 5 ASCII digits naming a port from 1 to 65535.
    private static func parsePort(_ text: Substring) -> Int? {
        let digits = text.utf8
        guard !digits.isEmpty, digits.count <= 5 else { return nil }
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return (1...65535).contains(value) ? value : nil
    }

    private static func isHostByte(_ value: UInt8) -> Bool {
        switch value {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"),
            UInt8(ascii: ":"), UInt8(ascii: "%"):
            return true
        default:
            return false
        }
    }
}
