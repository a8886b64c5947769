/// The admin HTTP endpoint (health, metrics, stats).
public struct AdminSettings: Sendable, Equatable {
    public var listen: ListenAddress

    public init(listen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 9090)) {
        self.listen = listen
    }

    /// Listening on 127.0.0.1:9090.
    public static let `default` = AdminSettings()
}
