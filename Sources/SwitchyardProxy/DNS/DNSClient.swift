import NIOCore
import NIOExtras
import NIOPosix

/// Asks DNS servers over UDP, one after another until one answers: each gets `timeout` to answer a query before
/// the next is asked. An answer too big for a datagram (the TC flag set) is asked for again from the same server
/// over TCP (RFC 7766), so a name with many addresses resolves to all of them. A stub resolver: the servers do the
/// recursion.
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
        let question = Question(server: server, name: name, type: type)
        return askOverUDP(question, on: eventLoop)
            .flatMap { answer in
                answer.isTruncated ? askOverTCP(question, on: eventLoop) : eventLoop.makeSucceededFuture(answer)
            }
            .flatMapError { _ in
                ask(remaining.dropFirst(), name: name, type: type, on: eventLoop)
            }
    }

    /// One query over a UDP socket of its own (so a stray or forged reply for another query never reaches it).
    private func askOverUDP(_ question: Question, on eventLoop: any EventLoop) -> EventLoopFuture<DNSMessage.Response> {
        let answer = PendingAnswer(question: question, promise: eventLoop.makePromise())
        let server = question.server
        let channel = DatagramBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramAnswerHandler(answer: answer))
                }
            }
            .bind(host: server.protocol == .inet6 ? "::" : "0.0.0.0", port: 0)
        return exchange(answer, over: channel) { channel, query in
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: query))
        }
    }

    /// The same query over a TCP connection of its own, each message behind its two-byte length.
    private func askOverTCP(_ question: Question, on eventLoop: any EventLoop) -> EventLoopFuture<DNSMessage.Response> {
        let answer = PendingAnswer(question: question, promise: eventLoop.makePromise())
        let channel = ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(LengthFieldPrepender(lengthFieldBitLength: .twoBytes))
                    try pipeline.addHandler(
                        ByteToMessageHandler(LengthFieldBasedFrameDecoder(lengthFieldBitLength: .twoBytes)))
                    try pipeline.addHandler(StreamAnswerHandler(answer: answer))
                }
            }
            .connect(to: question.server)
        return exchange(answer, over: channel) { channel, query in channel.writeAndFlush(query) }
    }

    /// Sends the query once `channel` is up and gives it `timeout` to be answered; the channel is closed once the
    /// answer is in or the time is up.
    private func exchange(
        _ answer: PendingAnswer, over channel: EventLoopFuture<any Channel>,
        send: @escaping @Sendable (any Channel, ByteBuffer) -> EventLoopFuture<Void>
    ) -> EventLoopFuture<DNSMessage.Response> {
        let promise = answer.promise
        let question = answer.question
        let timeout = self.timeout
        channel.whenComplete { result in
            switch result {
            case .failure(let error):
                promise.fail(error)
            case .success(let channel):
                let timer = channel.eventLoop.scheduleTask(in: timeout) {
                    let late = "\(question.server) did not answer for \(question.name) in time"
                    promise.fail(NoAnswer(description: late))
                }
                promise.futureResult.whenComplete { _ in
                    timer.cancel()
                    channel.close(promise: nil)
                }
                let query = DNSMessage.query(id: question.id, name: question.name, type: question.type)
                send(channel, channel.allocator.buffer(bytes: query)).whenFailure { promise.fail($0) }
            }
        }
        return promise.futureResult
    }
}

/// One question to one server, with the random id its answer must carry.
private struct Question: Sendable {
    let server: SocketAddress
    let name: String
    let type: DNSMessage.RecordType
    let id = UInt16.random(in: .min ... .max)
}

/// A question waiting for its answer: completes with the first well-formed reply carrying the question's id.
private struct PendingAnswer: Sendable {
    let question: Question
    let promise: EventLoopPromise<DNSMessage.Response>

    func take(_ message: ByteBuffer) {
        guard let response = try? DNSMessage.response(Array(message.readableBytesView), type: question.type),
            response.id == question.id
        else { return }
        promise.succeed(response)
    }
}

/// Hands datagrams from the question's server to its answer.
private final class DatagramAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let answer: PendingAnswer

    init(answer: PendingAnswer) {
        self.answer = answer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard envelope.remoteAddress == answer.question.server else { return }
        answer.take(envelope.data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        answer.promise.fail(error)
    }
}

/// Hands the messages of a TCP connection (already split at their length prefixes) to the answer; a connection
/// that ends first fails it.
private final class StreamAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let answer: PendingAnswer

    init(answer: PendingAnswer) {
        self.answer = answer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        answer.take(unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        let closed = "\(answer.question.server) closed the TCP connection unanswered"
        answer.promise.fail(DNSClient.NoAnswer(description: closed))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        answer.promise.fail(error)
    }
}
