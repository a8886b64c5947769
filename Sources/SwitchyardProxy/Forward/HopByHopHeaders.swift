import NIOHTTP1

/// Removes the headers that describe one connection rather than the message (RFC 9110 §7.6.1), so they never
/// travel across the proxy: `Connection` and every header it names, `Keep-Alive`, `Proxy-Authorization`,
/// `Proxy-Authenticate`, `Proxy-Connection`, `TE`, `Trailer` and `Upgrade`. `Transfer-Encoding` stays: NIO's
/// encoders re-frame the body from it.
enum HopByHopHeaders {
    private static let fixed = [
        "keep-alive", "proxy-authorization", "proxy-authenticate", "proxy-connection", "te", "trailer", "upgrade",
    ]

    static func strip(_ headers: inout HTTPHeaders) {
        for value in headers["connection"] {
            for token in value.split(separator: ",") {
                let name = token.trimmingSpaces()
                if !name.isEmpty, name.lowercased() != "transfer-encoding" { headers.remove(name: name) }
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
