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
        var present: [String] = []
        var named: [Substring] = []
        for (name, value) in headers {
            if name.equalsIgnoringASCIICase("connection") {
                for token in value.split(separator: ",") {
                    let token = token.trimmingSpaces()
                    if !token.isEmpty, !protected.contains(where: { token.equalsIgnoringASCIICase($0) }) {
                        named.append(token)
                    }
                }
            }
            if fixed.contains(where: { name.equalsIgnoringASCIICase($0) }) { present.append(name) }
        }
        guard !present.isEmpty || !named.isEmpty else { return }
        for name in present { headers.remove(name: name) }
        for name in named where !fixed.contains(where: { name.equalsIgnoringASCIICase($0) }) {
            headers.remove(name: String(name))
        }
    }
}
