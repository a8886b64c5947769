import NIOCore
import NIOHTTP1
import NIOSSL

/// Sets up the pipeline of an accepted proxy connection.
public enum ProxyPipeline {
    /// Adds: TLS (when the listener has it), idle timeout, request-head timeout, NIO's HTTP/1.1 server codec (with pipelining assistance and
    /// the configured header-size limit), then the `HTTPProxyHandler`.
    ///
    /// The codec is set up with an (empty) upgrade configuration only so the decoder forwards the bytes that
    /// follow a CONNECT request when it is removed, instead of dropping them.
    public static func configure(_ channel: any Channel, settings: ProxyListenerSettings) throws {
        let pipeline = channel.pipeline.syncOperations
        if let tls = settings.tls {
            try pipeline.addHandler(NIOSSLServerHandler(context: tls.current))
        }
        let headTimeout = RequestHeadTimeoutHandler(timeout: settings.headerReadTimeout, logger: settings.logger)
        // A silent client: reads alone decide (so writes need no completion callbacks); tunnels switch to
        // read-or-write idleness when they are spliced.
        try pipeline.addHandler(IdleStateHandler(readTimeout: settings.idleTimeout))
        try pipeline.addHandler(headTimeout)
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = settings.maxHeaderBytes
        limits.maxHeaderFieldSize = settings.maxHeaderBytes
        try pipeline.configureHTTPServerPipeline(
            position: .last,
            withPipeliningAssistance: true,
            withServerUpgrade: (upgraders: [], completionHandler: { _ in }),
            withErrorHandling: false,
            withOutboundHeaderValidation: true,
            withEncoderConfiguration: .init(),
            withDecoderLimitConfiguration: limits
        )
        try pipeline.addHandler(HTTPProxyHandler(settings: settings, headTimeout: headTimeout))
    }
}
