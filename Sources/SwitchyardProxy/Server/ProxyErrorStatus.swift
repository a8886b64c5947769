import NIOCore
import NIOHTTP1

/// The statuses the proxy itself answers with, and how such an answer is written.
enum ProxyErrorStatus: Equatable {
    case badRequest, notFound, proxyAuthenticationRequired, requestTimeout, headersTooLarge
    /// 403: the destination policy refused the destination, by the rule named (also in `X-Switchyard-Denied-By`,
    /// as a response to CONNECT carries no body).
    case forbidden(rule: String)
    case badGateway, serviceUnavailable, gatewayTimeout
    /// 429: a rate limit (or every target's push-back) refused the request; try again in `retryAfter` seconds.
    case tooManyRequests(retryAfter: Int)
    /// 503 with `Retry-After`: the pool's queue was full, or the wait in it ran out.
    case overloaded(retryAfter: Int)

    /// Whole seconds to wait before `retryAfter`, at least 1: how a `Retry-After` header states a duration.
    static func seconds(_ retryAfter: Duration) -> Int {
        let (seconds, attoseconds) = retryAfter.components
        return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }

    var status: HTTPResponseStatus {
        switch self {
        case .badRequest: .badRequest
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .proxyAuthenticationRequired: .proxyAuthenticationRequired
        case .requestTimeout: .requestTimeout
        case .headersTooLarge: .requestHeaderFieldsTooLarge
        case .badGateway: .badGateway
        case .serviceUnavailable, .overloaded: .serviceUnavailable
        case .tooManyRequests: .tooManyRequests
        case .gatewayTimeout: .gatewayTimeout
        }
    }

    /// A complete `Connection: close` response with a short plain-text body naming the cause.
    func responseHead(version: HTTPVersion, bodyLength: Int) -> HTTPResponseHead {
        var headers: HTTPHeaders = [
            "content-type": "text/plain; charset=utf-8",
            "content-length": String(bodyLength),
            "connection": "close",
        ]
        switch self {
        case .proxyAuthenticationRequired:
            headers.add(name: "proxy-authenticate", value: "Basic realm=\"switchyard\"")
        case .tooManyRequests(let seconds), .overloaded(let seconds):
            headers.add(name: "retry-after", value: String(seconds))
        case .forbidden(let rule):
            headers.add(name: "x-switchyard-denied-by", value: rule)
        default:
            break
        }
        return HTTPResponseHead(version: version, status: status, headers: headers)
    }

    /// The same response as raw bytes, for places outside the HTTP codec (before a request was parsed).
    func rawResponse(message: String, allocator: ByteBufferAllocator) -> ByteBuffer {
        let body = message + "\n"
        var buffer = allocator.buffer(capacity: 128 + body.utf8.count)
        buffer.writeString("HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n")
        for (name, value) in responseHead(version: .http1_1, bodyLength: body.utf8.count).headers {
            buffer.writeString("\(name): \(value)\r\n")
        }
        buffer.writeString("\r\n")
        buffer.writeString(body)
        return buffer
    }
}
