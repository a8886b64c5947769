import NIOCore

/// Joins a client channel and an upstream channel on the same event loop into a byte relay (a `GlueHandler` pair),
/// whatever protocol opened the tunnel: CONNECT, a WebSocket upgrade, or SOCKS5. The caller removes its own protocol
/// handlers; the relay owns both channels from then on.
enum TunnelRelay {
    /// Adds the glue to both pipelines (after `clientPosition` on the client's) and an idle timeout that only fires
    /// when no byte moves either way: `idleTimer` (the client connection's own, handed over) or a new one. `finished`
    /// runs once both channels have closed, with the bytes relayed up (client to upstream) and down.
    static func splice(
        client: any Channel, after clientPosition: any ChannelHandler, upstream: any Channel, idleTimeout: TimeAmount,
        idleTimer: DeadlineTimer? = nil, finished: @escaping (_ up: Int, _ down: Int) -> Void
    ) throws {
        let timer = idleTimer ?? DeadlineTimer(eventLoop: client.eventLoop) {}
        timer.expired = { [weak client] in client?.close(promise: nil) }
        let idle = GlueHandler.IdleWatch(timer: timer, timeout: idleTimeout)
        let (clientGlue, upstreamGlue) = GlueHandler.matchedPair(idle: idle)
        for side in [client, upstream] {
            try side.syncOptions?.setOption(ChannelOptions.recvAllocator, value: AdaptiveRecvByteBufferAllocator.bulkTransfer)
        }
        let upstreamHandlers = upstream.pipeline.syncOperations
        // An upgraded pooled connection's own read timeout gives way to the relay's.
        if let readIdle = try? upstreamHandlers.handler(type: IdleStateHandler.self) {
            _ = upstreamHandlers.removeHandler(readIdle)
        }
        try upstreamHandlers.addHandler(upstreamGlue)
        try client.pipeline.syncOperations.addHandler(clientGlue, position: .after(clientPosition))
        idle.moved()
        client.closeFuture.and(upstream.closeFuture).assumeIsolated().whenComplete { _ in
            timer.cancel()
            finished(clientGlue.counter.bytesRead, upstreamGlue.counter.bytesRead)
        }
    }
}
