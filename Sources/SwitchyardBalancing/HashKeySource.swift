/// Which part of a request `consistent-hash` keeps on one target: the configuration's `hash_key`.
///
/// Thread-safety: a `Sendable` value.
public enum HashKeySource: Sendable, Equatable {
    /// The client's IP address (`client_ip`, the default).
    case clientAddress
    /// The destination host key (`destination_host`).
    case destinationHost
    /// The request path, without the query (`path`).
    case path
    /// The value of a request header (`header:NAME`).
    case header(String)
    /// The value of a cookie (`cookie:NAME`).
    case cookie(String)

    /// The hash key of one request, for `PickRequest.hashKey`; nil when the request has no such part (a CONNECT
    /// tunnel has no path, a header may be missing).
    /// - Parameters:
    ///   - destination: the key from `DestinationKey.make(host:port:)`.
    ///   - path: the request target's path, nil for a tunnel.
    ///   - header: the first value of the named request header (matched case-insensitively), or nil.
    public func key(
        clientAddress: String?, destination: String, path: String?, header: (String) -> String?
    ) -> String? {
        switch self {
        case .clientAddress:
            return clientAddress
        case .destinationHost:
            return destination
        case .path:
            return path.map { String($0.prefix { $0 != "?" }) }
        case .header(let name):
            return header(name)
        case .cookie(let name):
            return header("cookie").flatMap { Self.cookie(named: name, in: $0) }
        }
    }

    /// The value of cookie `name` in a `Cookie` header value (`a=1; b=2`), or nil when it is not there.
    static func cookie(named name: String, in header: String) -> String? {
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " || $0 == "\t" }
            guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == name else { continue }
            return String(trimmed[trimmed.index(after: equals)...])
        }
        return nil
    }
}
