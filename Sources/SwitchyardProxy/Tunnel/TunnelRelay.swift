import NIOCore

/// Joins a client channel and an upstream channel on the same event loop into a byte relay (a `GlueHandler` pair),
/// whatever protocol opened the tunnel: CONNECT, a WebSocket upgrade, or SOCKS5. The caller removes its own protocol
/// handlers; the relay owns both channels from then on.
enum TunnelRelay {
    /// Adds the glue to both pipelines (after `clientPosition` on the client's) and an idle timeout that only fires
    /// when no byte moves either way. `finished` runs once both channels have closed, with the bytes relayed
    /// up (client to upstream) and down.
    static func splice(
        client: any Channel, after clientPosition: any ChannelHandler, upstream: any Channel, idleTimeout: TimeAmount,
        finished: @escaping (_ up: Int, _ down: Int) -> Void
    ) throws {
        let (clientGlue, upstreamGlue) = GlueHandler.matchedPair()
        try upstream.pipeline.syncOperations.addHandler(upstreamGlue)
        for channel in [client, upstream] {
            let handlers = channel.pipeline.syncOperations
            if let readIdle = try? handlers.handler(type: IdleStateHandler.self) { _ = handlers.removeHandler(readIdle) }
            try handlers.addHandler(IdleStateHandler(allTimeout: idleTimeout), position: .first)
        }
        try client.pipeline.syncOperations.addHandler(clientGlue, position: .after(clientPosition))
        client.closeFuture.and(upstream.closeFuture).assumeIsolated().whenComplete { _ in
            finished(clientGlue.counter.bytesRead, upstreamGlue.counter.bytesRead)
        }
    }
}
