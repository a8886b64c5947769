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
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? bracketed : "\(bracketed):\(port)"
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

    private static func parse(_ uri: String, allowingTLS: Bool) -> (destination: ProxyDestination, usesTLS: Bool)? {
        guard let schemeEnd = uri.firstRange(of: "://") else { return nil }
        let scheme = uri[..<schemeEnd.lowerBound].lowercased()
        let usesTLS = scheme == "https"
        guard scheme == "http" || (allowingTLS && usesTLS) else { return nil }
        let rest = uri[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let defaultPort = usesTLS ? 443 : 80
        guard var destination = parseAuthority(rest[..<authorityEnd], defaultPort: defaultPort) else { return nil }
        var target = rest[authorityEnd...]
        if let fragment = target.firstIndex(of: "#") { target = target[..<fragment] }
        destination.originForm = target.isEmpty ? "/" : (target.first == "?" ? "/" + target : String(target))
        return (destination, usesTLS)
    }

    /// Parses a CONNECT target, `host:port` (the port is required).
    static func parseConnectAuthority(_ authority: String) -> ProxyDestination? {
        parseAuthority(authority[...], defaultPort: nil)
    }

    private static func parseAuthority(_ authority: Substring, defaultPort: Int?) -> ProxyDestination? {
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        let host: Substring
        let portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.isEmpty {
                portText = nil
            } else {
                guard after.first == ":" else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
            guard !(portText!.contains(":")) else { return nil }
        } else {
            host = authority
            portText = nil
        }
        guard !host.isEmpty, host.allSatisfy(Self.isHostCharacter) else { return nil }
        let port: Int
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCIIDigit),
                let value = Int(portText), (1...65535).contains(value)
            else { return nil }
            port = value
        } else if let defaultPort {
            port = defaultPort
        } else {
            return nil
        }
        return ProxyDestination(host: String(host), port: port, originForm: nil)
    }

    private static func isHostCharacter(_ character: Character) -> Bool {
        guard character.isASCII, let value = character.asciiValue else { return false }
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

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
