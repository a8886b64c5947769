import NIOCore
import NIOHTTP1
import NIOSOCKS
import NIOSSL
import SwitchyardTraffic

/// Sets up the pipeline of an accepted proxy connection.
public enum ProxyPipeline {
    /// TCP keep-alive on the socket when the listener's transport has it; TLS first when the listener has it, its
    /// handshake bounded by `TLSHandshakeDeadline`; then the handlers of the protocol the listener serves — or, when
    /// it serves both HTTP and SOCKS5, a `ProtocolSniffer` that adds them once the client's first byte tells which.
    /// - Parameter incompleteHeads: the listener's count of connections whose head is still incomplete after a read
    ///   (`max_incomplete_heads`); nil sets no limit.
    public static func configure(
        _ channel: any Channel, settings: ProxyListenerSettings, incompleteHeads: ConnectionLimiter? = nil
    ) throws {
        let pipeline = channel.pipeline.syncOperations
        try settings.transport.applyKeepalive(to: channel)
        if let tls = settings.tls {
            try pipeline.addHandler(NIOSSLServerHandler(context: tls.current))
            try pipeline.addHandler(
                TLSHandshakeDeadline(timeout: settings.transport.tlsHandshakeTimeout) { context in
                    settings.metrics?.traffic.limitRejected("tls_handshake_timeout")
                    settings.logger.info(
                        "client's TLS handshake timed out",
                        metadata: [
                            "listener": "\(settings.listenerName)",
                            "client": "\(context.channel.remoteAddress?.endpoint ?? "?")",
                            "timeout": "\(settings.transport.tlsHandshakeTimeout)",
                        ])
                })
        }
        guard settings.clientProtocols.count == 1, let only = settings.clientProtocols.first else {
            try pipeline.addHandler(
                ProtocolSniffer(timeout: settings.headerReadTimeout) { clientProtocol in
                    try addHandlers(
                        for: clientProtocol, to: channel, settings: settings, incompleteHeads: incompleteHeads)
                })
            return
        }
        try addHandlers(for: only, to: channel, settings: settings, incompleteHeads: incompleteHeads)
    }

    /// A SOCKS5 connection gets NIOSOCKS' handshake framing and a `SOCKSConnectionHandler`. An HTTP one gets the
    /// watcher that starts the request-head clock, NIO's HTTP/1.1 response encoder and request decoder (with the
    /// configured header-size limit), then the `HTTPConnectionHandler`. Pipelining, keep-alive and error answers are
    /// the handler's; NIO's pipelining helper is left out, because it toggles the socket's read interest on every
    /// request.
    private static func addHandlers(
        for clientProtocol: ProxyListenerSettings.ClientProtocol, to channel: any Channel,
        settings: ProxyListenerSettings, incompleteHeads: ConnectionLimiter?
    ) throws {
        let pipeline = channel.pipeline.syncOperations
        if clientProtocol == .socks5 {
            try pipeline.addHandler(SOCKSServerHandshakeHandler())
            try pipeline.addHandler(SOCKSConnectionHandler(settings: settings))
            return
        }
        let watcher = RequestStartWatcher()
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = settings.maxHeaderBytes
        limits.maxHeaderFieldSize = settings.maxHeaderBytes
        try pipeline.addHandler(watcher)
        // The (empty) upgrade configuration only makes the decoder keep the bytes after a CONNECT; its handler
        // leaves the pipeline after the first request.
        try pipeline.configureHTTPServerPipeline(
            position: .last,
            withPipeliningAssistance: false,
            withServerUpgrade: (upgraders: [], completionHandler: { _ in }),
            withErrorHandling: false,
            withOutboundHeaderValidation: false,
            withEncoderConfiguration: .init(),
            withDecoderLimitConfiguration: limits
        )
        try pipeline.addHandler(
            HTTPConnectionHandler(settings: settings, watcher: watcher, incompleteHeads: incompleteHeads))
    }
}
