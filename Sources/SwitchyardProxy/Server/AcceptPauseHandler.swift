import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Sits on a listener's server channel and stops accepting for a moment when `accept` fails for want of file
/// descriptors or memory (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`). Without it the listening socket stays readable,
/// every `accept` fails at once, and the event loop spins a full core until a connection closes. (NIO's
/// `AcceptBackoffHandler` only delays the next `read`, which does not stop a read already pending.)
public final class AcceptPauseHandler: ChannelInboundHandler {
    public typealias InboundIn = any Channel
    public typealias InboundOut = any Channel

    private let pause: TimeAmount
    private let listener: String
    private let logger: Logger
    private var paused = false
    /// Whether the running shortage was logged; a connection accepted again ends it.
    private var logged = false

    public init(pause: TimeAmount = .milliseconds(100), listener: String, logger: Logger) {
        self.pause = pause
        self.listener = listener
        self.logger = logger
    }

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        logged = false
        context.fireChannelRead(data)
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let ioError = error as? IOError, [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(ioError.errnoCode) else {
            return context.fireErrorCaught(error)
        }
        if !logged {
            logged = true
            logger.warning(
                "accepting paused: out of file descriptors or memory",
                metadata: ["listener": "\(listener)", "error": "\(ioError)", "pause_ms": "\(pause.nanoseconds / 1_000_000)"])
        }
        guard !paused, let options = context.channel.syncOptions else { return }
        paused = true
        try? options.setOption(.autoRead, value: false)  // takes the socket out of the poll set
        context.eventLoop.assumeIsolated().scheduleTask(in: pause) { [self] in
            paused = false
            try? options.setOption(.autoRead, value: true)  // asks to accept again
        }
    }
}
