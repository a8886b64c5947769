/// What a balancing policy may know about the request it balances.
///
/// Thread-safety: a `Sendable` value.
public struct PickRequest: Sendable {
    /// The destination host key, normalised with `DestinationKey.make(host:port:)`.
    public var destination: String
    /// The client's address, for policies that keep a client on one target; nil when unknown.
    public var clientAddress: String?

    /// Creates a request for `destination`, a key made by `DestinationKey.make(host:port:)`.
    public init(destination: String, clientAddress: String? = nil) {
        self.destination = destination
        self.clientAddress = clientAddress
    }
}
