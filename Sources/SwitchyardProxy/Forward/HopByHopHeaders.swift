import NIOHTTP1

/// Removes the headers that describe one connection rather than the message (RFC 9110 §7.6.1), so they never
/// travel across the proxy: `Connection` and every header it names, `Keep-Alive`, `Proxy-Authorization`,
/// `Proxy-Authenticate`, `Proxy-Connection`, `TE`, `Trailer` and `Upgrade`. The message's framing and routing
/// headers (`Content-Length`, `Transfer-Encoding`, `Host`) stay even when `Connection` names them: dropping them
/// would let the next hop frame or route the message differently (a request-smuggling vector). NIO's encoders
/// frame the body from them.
///
/// Runs on every request and response: one pass over the headers finds what to remove, and only names that are
/// there cost a removal.
enum HopByHopHeaders {
    private static let protected = ["content-length", "transfer-encoding", "host"]
    private static let fixed = [
        "connection", "keep-alive", "proxy-authorization", "proxy-authenticate", "proxy-connection", "te", "trailer",
        "upgrade",
    ]

    static func strip(_ headers: inout HTTPHeaders) {
        // One pass notes which of the fixed names are there (a bit each) and the `Connection` values; nothing is
        // allocated unless `Connection` names a header of its own, which is rare.
        var presentFixed: UInt16 = 0
        var connection: String?
        var moreConnection: [String] = []
        for (name, value) in headers {
            guard let index = fixedIndex(of: name) else { continue }
            presentFixed |= 1 << index
            if index == 0 {
                if connection == nil { connection = value } else { moreConnection.append(value) }
            }
        }
        guard presentFixed != 0 else { return }
        if let connection { removeHeaders(namedIn: connection, from: &headers) }
        for value in moreConnection { removeHeaders(namedIn: value, from: &headers) }
        for (index, name) in fixed.enumerated() where presentFixed & (1 << index) != 0 {
            headers.remove(name: name)
        }
    }

    /// Removes the headers a `Connection` value names, except the fixed ones (removed anyway) and the protected.
    private static func removeHeaders(namedIn connection: String, from headers: inout HTTPHeaders) {
        forEachToken(in: connection) { token in
            if fixedIndex(of: token) == nil, !protected.contains(where: { token.equalsIgnoringASCIICase($0) }) {
                headers.remove(name: String(token))
            }
        }
    }

    /// The index of `name` in `fixed` (`Connection` is 0), ignoring case.
    private static func fixedIndex(of name: some StringProtocol) -> Int? {
        let length = name.utf8.count
        guard length == 2 || length == 7 || length == 10 || length >= 16 && length <= 19 else { return nil }
        return fixed.firstIndex { $0.utf8.count == length && name.equalsIgnoringASCIICase($0) }
    }

    /// Calls `body` with each non-empty, trimmed token of a comma-separated list.
    private static func forEachToken(in list: String, _ body: (Substring) -> Void) {
        var rest = list.utf8[...]
        while !rest.isEmpty {
            let comma = rest.firstIndex(of: UInt8(ascii: ",")) ?? rest.endIndex
            let token = Substring(rest[..<comma]).trimmingSpaces()
            if !token.isEmpty { body(token) }
            rest = comma == rest.endIndex ? rest[comma...] : rest[rest.index(after: comma)...]
        }
    }
}
