/// A listener's certificate, key or client CA could not be loaded.
public struct ListenerTLSError: Error, CustomStringConvertible {
    public var listener: String
    public var underlying: any Error
    public var description: String { "listener \(listener): cannot load TLS files: \(underlying)" }
}

/// A pool names a policy the balancer does not know (validation should have caught it first).
public struct UnknownPolicyError: Error, CustomStringConvertible {
    public var pool: String
    public var policy: String
    public var description: String { "pool \(pool): unknown policy \(policy)" }
}

/// A configuration change that cannot be applied live.
public struct ReloadError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
