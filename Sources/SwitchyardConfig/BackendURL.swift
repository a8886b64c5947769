/// Checks a backend target's URL: `http://` or `https://host[:port]`, nothing after the authority but a `/`.
enum BackendURL {
    /// What is wrong with `url`, or nil when it is usable.
    static func problem(with url: String) -> String? {
        let lowered = url.lowercased()
        let rest: Substring
        if lowered.hasPrefix("http://") {
            rest = url.dropFirst("http://".count)
        } else if lowered.hasPrefix("https://") {
            rest = url.dropFirst("https://".count)
        } else {
            return "\"\(url)\" is not an http:// or https:// URL"
        }
        let authority = rest.hasSuffix("/") ? rest.dropLast() : rest
        guard !authority.isEmpty, !authority.contains("/"), !authority.contains("?"), !authority.contains("@") else {
            return "\"\(url)\" must be http(s)://host[:port] with no path"
        }
        var host = authority
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            let port = authority[authority.index(after: colon)...]
            guard let number = Int(port), (1...65535).contains(number) else {
                return "\"\(url)\" has an invalid port"
            }
            host = authority[..<colon]
        }
        guard isHost(host) else {
            return "\"\(url)\" must name a host: a DNS name, an IPv4 address or a bracketed IPv6 address"
        }
        return nil
    }

    /// A DNS name (letters, digits, `-`, `_` and dots), an IPv4 address, or an IPv6 address in brackets; never a
    /// %-escape, a space or a control character.
    private static func isHost(_ host: Substring) -> Bool {
        if host.hasPrefix("["), host.hasSuffix("]") {
            let address = host.dropFirst().dropLast()
            return address.contains(":") && address.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        return !host.isEmpty && host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }
    }
}
