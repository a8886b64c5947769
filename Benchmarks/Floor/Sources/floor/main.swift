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

/// Writes what one channel reads to its partner (holding it until the partner is connected), and closes the
/// partner when it closes.
final class Relay: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private var pending: [ByteBuffer] = []
    private var partner: (any Channel)?

    func connect(to channel: any Channel) {
        partner = channel
        for buffer in pending { channel.write(buffer, promise: nil) }
        pending = []
        channel.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        if let partner { partner.write(buffer, promise: nil) } else { pending.append(buffer) }
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

/// The client side of the bare HTTP/1 proxy: passes request parts to the upstream (holding them until it is
/// connected) and writes the upstream's response parts back.
final class HTTPRelayServerSide: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private var pending: [HTTPClientRequestPart] = []
    private var upstream: (any Channel)?

    func connect(to channel: any Channel) {
        upstream = channel
        for part in pending { channel.write(part, promise: nil) }
        pending = []
        channel.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part: HTTPClientRequestPart
        switch Self.unwrapInboundIn(data) {
        case .head(let head): part = .head(head)
        case .body(let body): part = .body(.byteBuffer(body))
        case .end(let trailers): part = .end(trailers)
        }
        if let upstream { upstream.write(part, promise: nil) } else { pending.append(part) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        upstream?.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        upstream?.close(promise: nil)
        upstream = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// The upstream side of the bare HTTP/1 proxy: passes response parts to the client.
final class HTTPRelayClientSide: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    let client: any Channel
    init(client: any Channel) { self.client = client }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part: HTTPServerResponsePart
        switch Self.unwrapInboundIn(data) {
        case .head(let head): part = .head(head)
        case .body(let body): part = .body(.byteBuffer(body))
        case .end(let trailers): part = .end(trailers)
        }
        client.write(part, promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        client.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

let arguments = CommandLine.arguments
let group = MultiThreadedEventLoopGroup(numberOfThreads: arguments.count == 5 ? Int(arguments[4]) ?? 1 : 1)
let channel: any Channel
if arguments.count >= 4, arguments[1] == "relay", let port = Int(arguments[2]), let target = Int(arguments[3]) {
    channel = try ServerBootstrap(group: group)
        .childChannelInitializer { client in
            let inbound = Relay()
            let outbound = Relay()
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
            let serverSide = HTTPRelayServerSide()
            return client.eventLoop.makeCompletedFuture {
                try client.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: false)
                try client.pipeline.syncOperations.addHandler(serverSide)
                ClientBootstrap(group: client.eventLoop)
                    .channelInitializer { upstream in
                        upstream.eventLoop.makeCompletedFuture {
                            try upstream.pipeline.syncOperations.addHTTPClientHandlers()
                            try upstream.pipeline.syncOperations.addHandler(HTTPRelayClientSide(client: client))
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
