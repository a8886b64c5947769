#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Dispatch
import NIOCore
import SwitchyardTraffic

/// The system resolver: a blocking `getaddrinfo`, run off the event loop.
enum HostLookup {
    /// `addresses(of:)` on Dispatch's global queue, as NIO's own resolver offloads it: a lookup that waits for an
    /// unreachable name server then holds one of its many threads, not one of NIO's two-thread pool, which every
    /// other lookup would queue behind.
    static func addresses(of host: String, on eventLoop: any EventLoop) -> EventLoopFuture<[IPAddress]> {
        let promise = eventLoop.makePromise(of: [IPAddress].self)
        DispatchQueue.global().async {
            promise.succeed(addresses(of: host))
        }
        return promise.futureResult
    }

    /// The addresses of `host`, in the system's order; none when it does not resolve.
    static func addresses(of host: String) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
            hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            if let raw = info.pointee.ai_addr {
                switch info.pointee.ai_family {
                case AF_INET:
                    raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                        addresses.append(IPAddress(v4: UInt32(bigEndian: $0.pointee.sin_addr.s_addr)))
                    }
                case AF_INET6:
                    raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                        var bytes = $0.pointee.sin6_addr
                        addresses.append(IPAddress(v6: withUnsafeBytes(of: &bytes) { Array($0) }))
                    }
                default:
                    break
                }
            }
            entry = info.pointee.ai_next
        }
        return addresses
    }
}
