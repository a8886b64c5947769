/// A local address to listen on, written `host:port`, with IPv6 hosts in brackets: `127.0.0.1:3128`, `[::1]:3128`,
/// `localhost:80`. Port 0 asks the system for a free port (the bound port is logged).
public struct ListenAddress: Sendable, Hashable, LosslessStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Whether only this machine can reach the address: `localhost`, `127.0.0.0/8` or `::1`.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Parses `host:port` or `[ipv6]:port`; nil when the text is not one.
    public init?(_ description: String) {
        guard let address = try? Self.parse(description) else { return nil }
        self = address
    }

    /// `host:port`, with the host in brackets when it is an IPv6 address.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Parses `host:port` or `[ipv6]:port`, explaining what is wrong when the text is not one.
    static func parse(_ text: String) throws(ValueError) -> ListenAddress {
        let example = "write it as HOST:PORT, e.g. \"127.0.0.1:3128\" or \"[::1]:3128\""
        guard let colon = text.lastIndex(of: ":") else {
            throw ValueError("\"\(text)\" has no port; \(example)")
        }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        if host.hasPrefix("["), host.hasSuffix("]"), host.count >= 2 {
            host = String(host.dropFirst().dropLast())
            guard IPAddress.isIPv6(host) else {
                throw ValueError("\"\(host)\" in brackets is not an IPv6 address")
            }
        } else if host.contains(":") || host.contains("[") {
            throw ValueError("\"\(text)\" is ambiguous; put an IPv6 host in brackets, e.g. \"[::1]:3128\"")
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace) else {
            throw ValueError("\"\(text)\" has no valid host; \(example)")
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCIIDigit), let port = Int(portText), port <= 65535 else {
            throw ValueError("\"\(portText)\" in \"\(text)\" is not a port number (0-65535)")
        }
        return ListenAddress(host: host, port: port)
    }
}

extension Character {
    /// Whether this is one of 0-9.
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
