#if canImport(Glibc)
import Glibc
#endif

/// A blocking TCP client for tests that need byte-level control (pipelining, slow reading, odd requests).
final class RawClient {
    private var fd: Int32

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(host: String = "127.0.0.1", port: Int, receiveTimeoutSeconds: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        var timeout = timeval(tv_sec: receiveTimeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let failure = Failure(description: "connect failed: errno \(errno)")
            // A class whose init throws after every property is set still runs deinit: close once, here, and make
            // sure deinit does not close the number again (by then it may be another thread's socket).
            close(fd)
            fd = -1
            throw failure
        }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Closes the connection with a TCP reset instead of an orderly FIN (`SO_LINGER` of zero).
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(fd)
        fd = -1
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Reads once; an empty result means the peer closed.
    func receive(max: Int = 65536) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
        guard count >= 0 else { throw Failure(description: "recv failed: errno \(errno)") }
        return Array(buffer[..<count])
    }

    /// Whatever has arrived, without waiting; empty when nothing has.
    func receiveIfAvailable() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65536, Int32(MSG_DONTWAIT)) }
        return count > 0 ? Array(buffer[..<count]) : []
    }

    /// Reads until `marker` has been seen (or the peer closes); returns everything read.
    func receive(until marker: String) throws -> String {
        var text = ""
        while !text.contains(marker) {
            let chunk = try receive()
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        return text
    }

    /// Reads until the peer closes; returns everything read.
    func receiveAll() throws -> String {
        var text = ""
        while true {
            let chunk = try receive()
            if chunk.isEmpty { return text }
            text += String(decoding: chunk, as: UTF8.self)
        }
    }

    func shutdownWrite() {
        shutdown(fd, Int32(SHUT_WR))
    }

    /// Whether a TCP connection to `port` is accepted right now.
    static func canConnect(port: Int) -> Bool {
        (try? RawClient(port: port)) != nil
    }
}
