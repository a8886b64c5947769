import Logging
import NIOCore
import SwitchyardTraffic

/// Enforces a listener's `max_connections` on accept: a connection over the limit gets `503` and is closed
/// before any parsing; an admitted one gives its slot back when it closes, whatever the path.
public enum ListenerAdmission {
    public static func admit(
        _ channel: any Channel,
        limiter: ConnectionLimiter,
        listener: String,
        logger: Logger
    ) -> Bool {
        guard limiter.tryAcquire() else {
            logger.warning(
                "connection refused: listener at max_connections",
                metadata: ["listener": "\(listener)", "limit": "\(limiter.limit)", "status": "503"]
            )
            let response = ProxyErrorStatus.serviceUnavailable.rawResponse(
                message: "too many connections to this proxy listener",
                allocator: channel.allocator
            )
            channel.writeAndFlush(response).whenComplete { _ in channel.close(promise: nil) }
            return false
        }
        channel.closeFuture.whenComplete { _ in limiter.release() }
        return true
    }
}
