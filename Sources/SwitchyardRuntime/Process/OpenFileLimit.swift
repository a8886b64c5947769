#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import SwitchyardConfig

/// The process's limit on open file descriptors (`RLIMIT_NOFILE`), which caps how many connections it can hold:
/// each proxied connection takes two (the client's and the upstream's). Most systems start processes with a soft
/// limit of 1,024 under a hard limit far above it, so Switchyard raises the soft limit at start, to the hard limit
/// or to `max_open_files`.
struct OpenFileLimit: Equatable, Sendable {
    /// The limit a process may open up to now (`Int.max`: unlimited).
    var soft: Int
    /// The most the soft limit may be raised to without privilege (`Int.max`: unlimited).
    var hard: Int

    /// Descriptors kept beyond two per connection slot: listening sockets, event loops, DNS and health-check
    /// sockets, the admin server, files.
    static let reserve = 64
    /// What the soft limit is raised to when the hard limit is unlimited (Linux's default `fs.nr_open`, the most
    /// the kernel allows).
    static let ceiling = 1 << 20

    /// Why the limit cannot be what the config asks.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// The limit to set for `requested` open files (nil: as many as the hard limit allows). Asking for more than
    /// the hard limit raises it too, which only a privileged process may do; `apply` reports the refusal.
    func raised(to requested: Int?) -> OpenFileLimit {
        guard let requested else { return OpenFileLimit(soft: max(soft, min(hard, Self.ceiling)), hard: hard) }
        return OpenFileLimit(soft: requested, hard: max(hard, requested))
    }

    /// The descriptors the listeners may hold at once: two per connection slot, and the reserve.
    static func needed(by listeners: [ListenerSettings]) -> Int {
        listeners.reduce(reserve) { $0 + 2 * $1.maxConnections }
    }

    /// The limit now; nil when it cannot be read.
    static func current() -> OpenFileLimit? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        return OpenFileLimit(soft: clamped(limit.rlim_cur), hard: clamped(limit.rlim_max))
    }

    /// Sets the limit for `requested` open files (see `raised(to:)`) and returns what it was before; throws,
    /// changing nothing, when the system refuses.
    @discardableResult
    static func apply(_ requested: Int?) throws(Refusal) -> (before: OpenFileLimit, after: OpenFileLimit) {
        guard let before = current() else { throw Refusal(description: "the open files limit cannot be read") }
        let after = before.raised(to: requested)
        guard after != before else { return (before, after) }
        var limit = rlimit(rlim_cur: systemValue(after.soft), rlim_max: systemValue(after.hard))
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            let reason = String(cString: strerror(errno))
            throw Refusal(
                description: after.hard > before.hard
                    ? "max_open_files: \(after.soft) is above the hard limit of \(before.hard) (\(reason)); raise "
                        + "the hard limit (LimitNOFILE= in a systemd unit, ulimit -Hn) or lower max_open_files"
                    : "the open files limit cannot be set to \(after.soft): \(reason)")
        }
        return (before, after)
    }

    /// `RLIM_INFINITY` (all ones; its C macro does not import) is `Int.max`.
    private static func clamped(_ value: rlim_t) -> Int {
        value == rlim_t.max ? Int.max : Int(clamping: value)
    }

    private static func systemValue(_ value: Int) -> rlim_t {
        value == Int.max ? rlim_t.max : rlim_t(value)
    }
}
