/// The address an egress pool's health checks probe, `health_check.target`: `host:port`, or
/// `http://host[:port][/path]`, whose path (when given) replaces the check's own `path`.
public struct HealthCheckTarget: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// The path an `http` check requests instead of `health_check.path`; nil keeps that one.
    public var path: String?

    public init(host: String, port: Int, path: String? = nil) {
        self.host = host
        self.port = port
        self.path = path
    }

    /// Parses `host:port` (IPv6 hosts in brackets) or `http://host[:port][/path]`; nil when the text is neither.
    public init?(configText text: String) {
        guard let target = try? Self.parse(text) else { return nil }
        self = target
    }

    /// Parses a check target, explaining what is wrong when the text is not one.
    static func parse(_ text: String) throws(ValueError) -> HealthCheckTarget {
        let problem = ValueError(
            "\"\(text)\" is not a check target; write HOST:PORT or http://HOST[:PORT][/PATH], "
                + "e.g. \"127.0.0.1:9000\" or \"http://127.0.0.1:9000/health\"")
        guard text.lowercased().hasPrefix("http://") else {
            guard !text.contains("/"), let address = try? ListenAddress.parse(text), address.port >= 1 else {
                throw problem
            }
            return HealthCheckTarget(host: address.host, port: address.port)
        }
        let rest = text.dropFirst("http://".count)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = String(rest[..<slash])
        let path = slash < rest.endIndex ? String(rest[slash...]) : nil
        guard !authority.isEmpty, !authority.contains("@"), !authority.contains("?") else { throw problem }
        if authority.hasSuffix("]") || !authority.contains(":") {
            let bracketed = authority.hasPrefix("[") && authority.hasSuffix("]")
            let host = bracketed ? String(authority.dropFirst().dropLast()) : authority
            guard !host.isEmpty, !host.contains(where: \.isWhitespace), !bracketed || IPAddress.isIPv6(host) else {
                throw problem
            }
            return HealthCheckTarget(host: host, port: 80, path: path)
        }
        guard let address = try? ListenAddress.parse(authority), address.port >= 1 else { throw problem }
        return HealthCheckTarget(host: address.host, port: address.port, path: path)
    }
}

extension HealthCheckSettings {
    /// `target` parsed; nil when it is not set (or not valid, which validation reports).
    public var parsedTarget: HealthCheckTarget? {
        target.flatMap(HealthCheckTarget.init(configText:))
    }
}
