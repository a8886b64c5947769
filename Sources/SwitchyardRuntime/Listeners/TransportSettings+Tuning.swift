import NIOCore
import SwitchyardConfig
import SwitchyardProxy

extension TransportSettings {
    /// The keep-alive and TLS-handshake settings as the data path applies them to client and upstream sockets.
    var tuning: TransportTuning {
        TransportTuning(
            tcpKeepalive: tcpKeepalive > .zero ? TimeAmount(tcpKeepalive) : nil,
            tlsHandshakeTimeout: TimeAmount(tlsHandshakeTimeout))
    }
}
