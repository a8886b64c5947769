import NIOHTTP1

/// Removes the headers that describe one connection rather than the message (RFC 9110 §7.6.1), so they never
/// travel across the proxy: `Connection` and every header it names, `Keep-Alive`, `Proxy-Authorization`,
/// `Proxy-Authenticate`, `Proxy-Connection`, `TE`, `Trailer` and `Upgrade`. The message's framing and routing
/// headers (`Content-Length`, `Transfer-Encoding`, `Host`) stay even when `Connection` names them: dropping them
/// would let the next hop frame or route the message differently (a request-smuggling vector). NIO's encoders
/// frame the body from them.
enum HopByHopHeaders {
    private static let protected: Set<String> = ["content-length", "transfer-encoding", "host"]
    private static let fixed = [
        "keep-alive", "proxy-authorization", "proxy-authenticate", "proxy-connection", "te", "trailer", "upgrade",
    ]

    static func strip(_ headers: inout HTTPHeaders) {
        for value in headers["connection"] {
            for token in value.split(separator: ",") {
                let name = token.trimmingSpaces()
                if !name.isEmpty, !protected.contains(name.lowercased()) { headers.remove(name: name) }
            }
        }
        headers.remove(name: "connection")
        for name in fixed { headers.remove(name: name) }
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        String(self.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
