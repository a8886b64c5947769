import NIOHTTP1

/// How a request's body is delimited: decided once, strictly, from the client's head (RFC 9112 §6), and written back
/// in one canonical form before the request goes anywhere, so no upstream can frame the body differently from us.
///
/// A head whose framing is ambiguous or unusual is refused (answered 400 and the connection closed) rather than
/// guessed at: any `Transfer-Encoding` other than a lone `chunked`, `Transfer-Encoding` together with
/// `Content-Length`, `Content-Length` values that disagree, `Transfer-Encoding` in HTTP/1.0, a body on CONNECT or
/// TRACE, and two `Host` headers (two places a request could be routed by). These are the request-smuggling vectors
/// HAProxy and Envoy refuse too.
enum RequestFraming: Equatable, Sendable {
    case noBody
    case contentLength(Int)
    case chunked

    /// Why a head was refused.
    struct Violation: Error, Equatable {
        let reason: String
    }

    /// The framing of `head`; throws when the head is refused.
    init(validating head: HTTPRequestHead) throws(Violation) {
        var hosts = 0
        var transferEncodings: [String] = []
        var lengths: [Substring] = []
        for (name, value) in head.headers {
            switch name.utf8.count {
            case 4 where name.equalsIgnoringASCIICase("host"): hosts += 1
            case 14 where name.equalsIgnoringASCIICase("content-length"):
                lengths += value.split(separator: ",", omittingEmptySubsequences: false)
            case 17 where name.equalsIgnoringASCIICase("transfer-encoding"):
                transferEncodings += value.split(separator: ",", omittingEmptySubsequences: false).map {
                    $0.trimmingSpaces().lowercased()
                }
            default: break
            }
        }
        if hosts > 1 { throw Violation(reason: "more than one Host header") }
        if !transferEncodings.isEmpty {
            if head.version.major == 1, head.version.minor == 0 {
                throw Violation(reason: "Transfer-Encoding in an HTTP/1.0 request")
            }
            if !lengths.isEmpty { throw Violation(reason: "both Transfer-Encoding and Content-Length") }
            guard transferEncodings == ["chunked"] else {
                throw Violation(
                    reason: "Transfer-Encoding \(transferEncodings.joined(separator: ", ")) (only chunked is accepted)")
            }
            self = .chunked
        } else if let first = lengths.first {
            let value = first.trimmingSpaces()
            guard !value.isEmpty, value.utf8.count <= 18, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                lengths.allSatisfy({ $0.trimmingSpaces() == value }), let length = Int(value)
            else { throw Violation(reason: "invalid Content-Length") }
            self = length == 0 ? .noBody : .contentLength(length)
        } else {
            self = .noBody
        }
        if self != .noBody, head.method == .CONNECT || head.method == .TRACE {
            throw Violation(reason: "a \(head.method.rawValue) request carries no body")
        }
    }

    /// Rewrites the framing headers of `headers` to this framing's one canonical header (or none); a head that
    /// already has it is left untouched.
    func canonicalize(_ headers: inout HTTPHeaders) {
        switch self {
        case .noBody:
            // Only a zero `Content-Length` can be here.
            guard headers.contains(name: "content-length"), headers["content-length"] != ["0"] else { return }
            headers.remove(name: "content-length")
            headers.add(name: "content-length", value: "0")
        case .contentLength(let length):
            let value = String(length)
            guard headers["content-length"] != [value] else { return }
            headers.remove(name: "content-length")
            headers.add(name: "content-length", value: value)
        case .chunked:
            guard headers["transfer-encoding"] != ["chunked"] else { return }
            headers.remove(name: "transfer-encoding")
            headers.add(name: "transfer-encoding", value: "chunked")
        }
    }
}
