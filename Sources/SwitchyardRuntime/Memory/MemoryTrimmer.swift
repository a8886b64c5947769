import Atomics
import CSwitchyardMalloc
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// Hands memory freed after a burst back to the system.
///
/// glibc's malloc keeps freed memory in its arenas for reuse and returns only what lies at the very top of the main
/// heap, so after a burst (thousands of tunnels opened and closed) the resident size stays near the burst's peak for
/// as long as the process lives. Every `interval` the trimmer compares the resident size with the bytes malloc has
/// handed out and not had back: the difference (code, stacks, and memory malloc holds free) is steady while the
/// process serves a steady load, grows while a burst winds down, and shrinks again after a trim. When it has grown by
/// `growthThreshold` since the last trim (or since start), the trimmer calls `malloc_trim(0)`, which gives the free
/// pages of every arena back. During a burst nothing happens (the memory is in use); after it there is one trim, a
/// few milliseconds on one event loop. With another C library (musl) the difference never grows and it never trims.
///
/// Measured with `scripts/burst.sh` (release, 5,000 tunnels): 36 MB before, 95 MB with them open, 95 MB idle after
/// without the trimmer and 81 MB with it. The rest stays because what the burst left allocated (malloc's in-use bytes
/// grow by several MB per burst, less each time) is spread over the arenas' pages, which can then not be released.
final class MemoryTrimmer: Sendable {
    /// How often the trimmer looks and how much growth makes it trim.
    struct Configuration: Sendable {
        /// How often the resident size is read. Default 10 s.
        var interval: TimeAmount = .seconds(10)
        /// Growth of resident memory that malloc does not use, since the last trim, that triggers a trim. 8 MiB.
        var growthThreshold: Int = 8 << 20
    }

    private let task: RepeatedTask

    /// Starts looking every `configuration.interval` on `eventLoop`; `cancel()` stops it.
    init(configuration: Configuration = Configuration(), on eventLoop: any EventLoop, logger: Logger) {
        // The unused resident memory after the last trim; only the repeated task (on one event loop) touches it.
        let baseline = ManagedAtomic(Self.unusedResidentBytes())
        task = eventLoop.scheduleRepeatedTask(initialDelay: configuration.interval, delay: configuration.interval) {
            _ in
            let unused = Self.unusedResidentBytes()
            guard unused - baseline.load(ordering: .relaxed) >= configuration.growthThreshold else { return }
            let before = Self.residentBytes()
            switchyard_malloc_trim()
            baseline.store(Self.unusedResidentBytes(), ordering: .relaxed)
            logger.debug(
                "returned freed memory to the system",
                metadata: ["rss.before": "\(before >> 10) kB", "rss.after": "\(Self.residentBytes() >> 10) kB"])
        }
    }

    /// Stops the trimmer.
    func cancel() {
        task.cancel()
    }

    /// Resident bytes that malloc has not handed out: code, stacks, and free memory malloc keeps.
    static func unusedResidentBytes() -> Int {
        residentBytes() - Int(switchyard_malloc_in_use_bytes())
    }

    /// The process's resident size in bytes, from `/proc/self/statm` (0 if it cannot be read).
    static func residentBytes() -> Int {
        // "size resident shared text lib data dt", in pages.
        let fields = ProcFile.fields("/proc/self/statm", limit: 128)
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * sysconf(Int32(_SC_PAGESIZE))
    }
}
