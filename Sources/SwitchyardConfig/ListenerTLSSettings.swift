/// TLS on a listener: the certificate it serves (re-read when its files change) and whether clients must
/// present certificates signed by `client_ca` (mTLS).
public struct ListenerTLSSettings: Sendable, Equatable {
    /// PEM certificate chain file.
    public var cert: String
    /// PEM private key file.
    public var key: String
    /// PEM file of the CAs that sign client certificates; needed unless `clientAuth` is `none`.
    public var clientCA: String?
    public var clientAuth: ClientAuth

    public init(cert: String, key: String, clientCA: String? = nil, clientAuth: ClientAuth = .none) {
        self.cert = cert
        self.key = key
        self.clientCA = clientCA
        self.clientAuth = clientAuth
    }
}

/// Whether a TLS listener asks clients for a certificate.
public enum ClientAuth: String, CaseIterable, Sendable, Equatable {
    /// No client certificate is requested.
    case none
    /// A certificate is verified if the client sends one.
    case optional
    /// Clients without a valid certificate are refused during the handshake.
    case require
}
