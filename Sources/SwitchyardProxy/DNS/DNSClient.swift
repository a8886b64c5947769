import NIOCore
import NIOPosix

/// Asks DNS servers over UDP, one after another until one answers: each gets `timeout` to answer a query before
/// the next is asked. A stub resolver: the servers do the recursion.
struct DNSClient: Sendable {
    let servers: [SocketAddress]
    let timeout: TimeAmount

    /// No server answered in time (or none could be asked).
    struct NoAnswer: Error, CustomStringConvertible {
        var description: String
    }

    /// The first answer to `name`'s records of `type` from the servers in order.
    func query(
        _ name: String, type: DNSMessage.RecordType, on eventLoop: any EventLoop
    ) -> EventLoopFuture<DNSMessage.Response> {
        ask(servers[...], name: name, type: type, on: eventLoop)
    }

    private func ask(
        _ remaining: ArraySlice<SocketAddress>, name: String, type: DNSMessage.RecordType, on eventLoop: any EventLoop
    ) -> EventLoopFuture<DNSMessage.Response> {
        guard let server = remaining.first else {
            return eventLoop.makeFailedFuture(NoAnswer(description: "no DNS server answered for \(name)"))
        }
        return ask(server, name: name, type: type, on: eventLoop).flatMapError { _ in
            ask(remaining.dropFirst(), name: name, type: type, on: eventLoop)
        }
    }

    /// One query to one server, over a UDP socket of its own (so a stray or forged reply for another query never
    /// reaches it), closed once it answers or the time is up.
    private func ask(
        _ server: SocketAddress, name: String, type: DNSMessage.RecordType, on eventLoop: any EventLoop
    ) -> EventLoopFuture<DNSMessage.Response> {
        let promise = eventLoop.makePromise(of: DNSMessage.Response.self)
        let id = UInt16.random(in: .min ... .max)
        let timeout = self.timeout
        DatagramBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        DNSResponseHandler(id: id, type: type, server: server, promise: promise))
                }
            }
            .bind(host: server.protocol == .inet6 ? "::" : "0.0.0.0", port: 0)
            .whenComplete { result in
                switch result {
                case .failure(let error):
                    promise.fail(error)
                case .success(let channel):
                    let timer = eventLoop.scheduleTask(in: timeout) {
                        promise.fail(NoAnswer(description: "\(server) did not answer for \(name) in time"))
                    }
                    promise.futureResult.whenComplete { _ in
                        timer.cancel()
                        channel.close(promise: nil)
                    }
                    let query = DNSMessage.query(id: id, name: name, type: type)
                    channel.writeAndFlush(
                        AddressedEnvelope(remoteAddress: server, data: channel.allocator.buffer(bytes: query))
                    ).whenFailure { promise.fail($0) }
                }
            }
        return promise.futureResult
    }
}

/// Completes a query's promise with the first well-formed reply from its server carrying its id.
private final class DNSResponseHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let id: UInt16
    let type: DNSMessage.RecordType
    let server: SocketAddress
    let promise: EventLoopPromise<DNSMessage.Response>

    init(id: UInt16, type: DNSMessage.RecordType, server: SocketAddress, promise: EventLoopPromise<DNSMessage.Response>) {
        self.id = id
        self.type = type
        self.server = server
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == server,
            let response = try? DNSMessage.response(Array(envelope.data.readableBytesView), type: type),
            response.id == id
        else { return }
        promise.succeed(response)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
    }
}
