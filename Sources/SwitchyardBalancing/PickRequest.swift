/// What a balancing policy may know about the request it balances.
///
/// Thread-safety: a `Sendable` value.
public struct PickRequest: Sendable {
    /// The destination host key, normalised with `DestinationKey.make(host:port:)`.
    public var destination: String
    /// The client's address, for policies that keep a client on one target; nil when unknown.
    public var clientAddress: String?
    /// The key `consistent-hash` hashes, computed by the data path from the pool's configured source with
    /// `HashKeySource.key(clientAddress:destination:path:header:)`; nil when the request has none (the policy then
    /// hashes the client address, or the destination).
    public var hashKey: String?
    /// The key a sticky pool pins to a target, from `StickyKeySource.key(session:clientAddress:header:)`; nil when
    /// the request has none (it is then balanced as in a pool without sticky sessions).
    public var stickyKey: String?

    /// Creates a request for `destination`, a key made by `DestinationKey.make(host:port:)`.
    public init(destination: String, clientAddress: String? = nil, hashKey: String? = nil, stickyKey: String? = nil) {
        self.destination = destination
        self.clientAddress = clientAddress
        self.hashKey = hashKey
        self.stickyKey = stickyKey
    }
}
