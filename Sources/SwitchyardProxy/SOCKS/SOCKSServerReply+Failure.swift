import NIOSOCKS

extension SOCKSServerReply {
    /// The RFC 1928 reply for a tunnel whose dial failed: a denial is 0x02, an unreachable network (the source
    /// address cannot be used) 0x03, a name that does not resolve 0x04, a refusal 0x05, a timeout 0x06, anything
    /// else (an upstream proxy's failure) 0x01.
    init(_ failure: UpstreamFailure) {
        switch failure {
        case .denied: self = .notAllowed
        case .sourceAddressUnavailable: self = .networkUnreachable
        case .dnsFailure: self = .hostUnreachable
        case .refused: self = .refused
        case .timedOut: self = .ttlExpired
        case .upstreamProxy(let proxyFailure): self = proxyFailure.isTimeout ? .ttlExpired : .serverFailure
        case .other: self = .serverFailure
        }
    }

    /// The RFC 1928 reply for a request refused before any dial: the destination policy's 403 is 0x02 (not allowed
    /// by ruleset), a malformed destination 0x08, a full pool or a rate limit 0x01.
    init(_ status: ProxyErrorStatus) {
        switch status {
        case .forbidden: self = .notAllowed
        case .badRequest: self = .addressUnsupported
        default: self = .serverFailure
        }
    }
}
