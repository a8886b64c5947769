import NIOCore
import NIOHTTP1
import NIOPosix
import Yams

#if canImport(Glibc)
    import Glibc
#endif

// The least a Switchyard-shaped process does, to measure floors under SwiftNIO on this machine:
//   floor                     a YAML config read with Yams, one NIO event loop, one HTTP/1 listener answering "ok"
//                             (its idle RSS is the memory floor)
//   floor relay PORT TARGET [THREADS]
//                             a bare TCP relay on 127.0.0.1:PORT: each connection dials 127.0.0.1:TARGET and bytes
//                             flow both ways until either side closes (its CPU per short tunnel is the tunnel floor:
//                             no handshake, no policy, no accounting)
//   floor http PORT TARGET [THREADS]
//                             a bare HTTP/1 proxy on 127.0.0.1:PORT: NIO's server codec towards the client, its client
//                             codec towards 127.0.0.1:TARGET (one keep-alive upstream connection per client), request
//                             and response parts passed through as they are (its CPU per request is the floor of an
//                             HTTP-aware proxy: two codecs, no routing, no header rewriting, no accounting)
// Both print "listening on ADDRESS" once bound and run until killed. One event loop, unless THREADS says otherwise.

/// Answers every request with "ok".
final class OK: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = Self.unwrapInboundIn(data) else { return }
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        head.headers.add(name: "content-length", value: "2")
        context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(Self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "ok")))), promise: nil)
        context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// Writes what one channel reads, converted by `convert`, to its partner (holding it until the partner is
/// connected), flushes the partner once per read burst, and closes the partner when its own channel closes. Bytes to
/// bytes it is the bare TCP relay; request parts to client request parts and back it is the bare HTTP/1 proxy.
final class Relay<Inbound, Outbound: Sendable>: ChannelInboundHandler {
    typealias InboundIn = Inbound
    private let convert: (Inbound) -> Outbound
    private var pending: [Outbound] = []
    private var partner: (any Channel)?

    init(partner: (any Channel)? = nil, convert: @escaping (Inbound) -> Outbound) {
        self.partner = partner
        self.convert = convert
    }

    func connect(to channel: any Channel) {
        partner = channel
        for item in pending { channel.write(item, promise: nil) }
        pending = []
        channel.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let item = convert(Self.unwrapInboundIn(data))
        if let partner { partner.write(item, promise: nil) } else { pending.append(item) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        partner?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.close(promise: nil)
        partner = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// A request part as read from the client, as written to the upstream.
func upstreamPart(_ part: HTTPServerRequestPart) -> HTTPClientRequestPart {
    switch part {
    case .head(let head): .head(head)
    case .body(let body): .body(.byteBuffer(body))
    case .end(let trailers): .end(trailers)
    }
}

/// A response part as read from the upstream, as written to the client.
func clientPart(_ part: HTTPClientResponsePart) -> HTTPServerResponsePart {
    switch part {
    case .head(let head): .head(head)
    case .body(let body): .body(.byteBuffer(body))
    case .end(let trailers): .end(trailers)
    }
}

let arguments = CommandLine.arguments
let group = MultiThreadedEventLoopGroup(numberOfThreads: arguments.count == 5 ? Int(arguments[4]) ?? 1 : 1)
let channel: any Channel
if arguments.count >= 4, arguments[1] == "relay", let port = Int(arguments[2]), let target = Int(arguments[3]) {
    channel = try ServerBootstrap(group: group)
        .childChannelInitializer { client in
            let inbound = Relay<ByteBuffer, ByteBuffer> { $0 }
            let outbound = Relay<ByteBuffer, ByteBuffer> { $0 }
            return client.pipeline.addHandler(inbound).map {
                ClientBootstrap(group: client.eventLoop)
                    .channelInitializer { $0.pipeline.addHandler(outbound) }
                    .connect(host: "127.0.0.1", port: target)
                    .whenComplete { result in
                        switch result {
                        case .success(let upstream):
                            outbound.connect(to: client)
                            inbound.connect(to: upstream)
                        case .failure:
                            client.close(promise: nil)
                        }
                    }
            }
        }
        .bind(host: "127.0.0.1", port: port).wait()
} else if arguments.count >= 4, arguments[1] == "http", let port = Int(arguments[2]), let target = Int(arguments[3]) {
    channel = try ServerBootstrap(group: group)
        .childChannelInitializer { client in
            let serverSide = Relay(convert: upstreamPart)
            return client.eventLoop.makeCompletedFuture {
                try client.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: false)
                try client.pipeline.syncOperations.addHandler(serverSide)
                ClientBootstrap(group: client.eventLoop)
                    .channelInitializer { upstream in
                        upstream.eventLoop.makeCompletedFuture {
                            try upstream.pipeline.syncOperations.addHTTPClientHandlers()
                            try upstream.pipeline.syncOperations.addHandler(Relay(partner: client, convert: clientPart))
                        }
                    }
                    .connect(host: "127.0.0.1", port: target)
                    .whenComplete { result in
                        switch result {
                        case .success(let upstream): serverSide.connect(to: upstream)
                        case .failure: client.close(promise: nil)
                        }
                    }
            }
        }
        .bind(host: "127.0.0.1", port: port).wait()
} else {
    let config = try Yams.load(yaml: "listeners: [ { name: web, listen: \"127.0.0.1:0\" } ]") as? [String: Any]
    precondition(config != nil, "Yams read the config")
    channel = try ServerBootstrap(group: group)
        .childChannelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                try channel.pipeline.syncOperations.addHandler(OK())
            }
        }
        .bind(host: "127.0.0.1", port: 0).wait()
}
print("listening on \(channel.localAddress!)")
fflush(stdout)
try channel.closeFuture.wait()
