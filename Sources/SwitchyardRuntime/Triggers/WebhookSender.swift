import Crypto
import NIOCore
import NIOHTTP1
import NIOPosix
import SwitchyardConfig

/// Posts a trigger's JSON to its webhook: one HTTP/1.1 `POST` per attempt, each bounded by `timeout`, retried after
/// `backoff` (doubling each time) until a 2xx or `retries` more attempts; signed with
/// `X-Switchyard-Signature: sha256=<hex HMAC-SHA256 of the body>` when the webhook has a secret.
struct WebhookSender: Sendable {
    /// The header carrying the signature.
    static let signatureHeader = "X-Switchyard-Signature"

    let group: any EventLoopGroup

    /// Delivers `body`; returns the outcome in words (`delivered (204) after 1 attempt`, `failed after 4 attempts:
    /// ...`).
    func deliver(_ body: String, to webhook: TriggerSettings.Webhook) async -> String {
        guard let endpoint = webhook.endpoint else { return "failed: not an http:// URL" }
        var headers = HTTPHeaders([
            ("Host", endpoint.port == 80 ? endpoint.host : "\(endpoint.host):\(endpoint.port)"),
            ("Content-Type", "application/json"), ("Content-Length", "\(body.utf8.count)"), ("Connection", "close"),
            ("User-Agent", "switchyard-webhook"),
        ])
        if let secret = webhook.secret { headers.add(name: Self.signatureHeader, value: Self.signature(body, secret)) }
        var wait = webhook.backoff
        var lastProblem = ""
        for attempt in 1...(webhook.retries + 1) {
            if attempt > 1 {
                try? await Task.sleep(for: wait)
                wait *= 2
            }
            do {
                let status = try await post(body, headers: headers, to: endpoint, timeout: webhook.timeout)
                if (200..<300).contains(status) {
                    return "delivered (\(status)) after \(attempt) attempt\(attempt == 1 ? "" : "s")"
                }
                lastProblem = "status \(status)"
            } catch {
                lastProblem = "\(error)"
            }
        }
        let attempts = webhook.retries + 1
        return "failed after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(lastProblem)"
    }

    /// `sha256=` and the hex HMAC-SHA256 of `body` keyed with `secret`.
    static func signature(_ body: String, _ secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + code.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }

    /// One attempt: the response's status code.
    private func post(
        _ body: String, headers: HTTPHeaders, to endpoint: (host: String, port: Int, path: String), timeout: Duration
    ) async throws -> UInt {
        let loop = group.next()
        let status = loop.makePromise(of: UInt.self)
        let deadline = loop.scheduleTask(in: TimeAmount(timeout)) { status.fail(WebhookTimeout()) }
        defer { deadline.cancel() }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(TimeAmount(timeout))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(StatusReader(status: status))
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            status.fail(error)
            throw error
        }
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: endpoint.path, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(string: body))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        defer { channel.close(promise: nil) }
        return try await status.futureResult.get()
    }
}

/// No answer within the webhook's timeout.
struct WebhookTimeout: Error, CustomStringConvertible {
    var description: String { "timed out" }
}

/// Completes `status` with the response's status code, or fails it when the connection ends first.
private final class StatusReader: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPClientResponsePart

    let status: EventLoopPromise<UInt>

    init(status: EventLoopPromise<UInt>) {
        self.status = status
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) { status.succeed(head.status.code) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        status.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        status.fail(error)
        context.close(promise: nil)
    }
}
