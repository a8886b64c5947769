import NIOCore
import NIOHTTP1

/// What has been sent of a request's body, kept while it fits the replay limit so a retry on another target can send
/// it again. A GET (no body) keeps nothing but the fact that it ended, and allocates nothing.
struct ReplayBuffer {
    private let limit: Int
    private var body: [IOData] = []
    private var bytes = 0
    /// The end went out, with these trailers.
    private var end: HTTPHeaders??
    /// False once the body outgrew the limit (or the request must never be retried).
    private(set) var isReplayable: Bool

    /// - Parameter limit: body bytes kept at most; negative when the request must never be replayed.
    init(limit: Int) {
        self.limit = limit
        self.isReplayable = limit >= 0
    }

    /// Notes a part sent upstream.
    mutating func record(_ part: HTTPClientRequestPart) {
        guard isReplayable else { return }
        switch part {
        case .head:
            break
        case .body(let data):
            bytes += data.readableBytes
            guard bytes <= limit else {
                isReplayable = false
                body = []
                return
            }
            body.append(data)
        case .end(let trailers):
            end = .some(trailers)
        }
    }

    /// The parts to send again after the head, in order; the buffer starts over empty.
    mutating func takeForResend() -> [HTTPClientRequestPart] {
        var parts = body.map { HTTPClientRequestPart.body($0) }
        if let end { parts.append(.end(end)) }
        body = []
        bytes = 0
        end = nil
        return parts
    }
}
