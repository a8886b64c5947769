#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Tells systemd (a `Type=notify` unit) where the process is in its life: ready once listening, reloading while a
/// reload runs, stopping when shutdown starts. The protocol is one datagram per state to the Unix socket named by
/// `$NOTIFY_SOCKET` (a path, or `@name` for the abstract namespace), so no libsystemd is needed; without the
/// variable every call does nothing.
struct ServiceManagerNotifier: Sendable {
    /// The socket's address; nil when not started by a service manager that listens.
    private let socketPath: [UInt8]?

    /// Reads `$NOTIFY_SOCKET`.
    init() {
        guard let value = getenv("NOTIFY_SOCKET") else {
            socketPath = nil
            return
        }
        var bytes = Array(String(cString: value).utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }  // abstract namespace
        socketPath = bytes.isEmpty ? nil : bytes
    }

    /// Listening and serving: `READY=1` with the main PID.
    func ready() { send("READY=1\nMAINPID=\(getpid())\nSTATUS=serving") }

    /// A reload has started; `ready()` ends it. systemd wants the monotonic time with it.
    func reloading() {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let microseconds = Int(now.tv_sec) * 1_000_000 + Int(now.tv_nsec) / 1_000
        send("RELOADING=1\nMONOTONIC_USEC=\(microseconds)\nSTATUS=reloading")
    }

    /// Graceful shutdown has started.
    func stopping() { send("STOPPING=1\nSTATUS=draining connections") }

    private func send(_ message: String) {
        guard let socketPath else { return }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard socketPath.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { path in
            path.copyBytes(from: socketPath)
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + socketPath.count)
        let bytes = Array(message.utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, 0, socketAddress, length) }
            }
        }
    }
}
