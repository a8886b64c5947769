import Prometheus
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The process metrics every Prometheus client library exports, under their usual names, read from `/proc` when
/// metrics are scraped: `process_open_fds`, `process_max_fds`, `process_resident_memory_bytes`,
/// `process_virtual_memory_bytes`, `process_cpu_seconds_total` and `process_start_time_seconds`.
///
/// Thread-safety: all members may be used from any thread at the same time.
final class ProcessMetrics: Sendable {
    private let openFiles: Gauge
    private let maxOpenFiles: Gauge
    private let residentBytes: Gauge
    private let virtualBytes: Gauge
    private let cpuSeconds: Counter
    /// The CPU seconds already added to `cpuSeconds`.
    private let cpuExported = Mutex(0.0)

    init(registry: PrometheusCollectorRegistry) {
        openFiles = registry.makeGauge(name: "process_open_fds", help: "Open file descriptors.")
        maxOpenFiles = registry.makeGauge(
            name: "process_max_fds", help: "The most file descriptors the process may open (the soft limit).")
        residentBytes = registry.makeGauge(name: "process_resident_memory_bytes", help: "Resident memory in bytes.")
        virtualBytes = registry.makeGauge(name: "process_virtual_memory_bytes", help: "Virtual memory in bytes.")
        cpuSeconds = registry.makeCounter(
            name: "process_cpu_seconds_total", help: "User and system CPU time spent, in seconds.")
        let startTime = registry.makeGauge(
            name: "process_start_time_seconds", help: "When the process started, in seconds since the Unix epoch.")
        if let started = Self.startTime() { startTime.set(to: started) }
    }

    /// Reads the process's figures now.
    func update() {
        if let open = ProcFile.entryCount("/proc/self/fd") { openFiles.set(Int64(open - 1)) }
        if let limit = OpenFileLimit.current() { maxOpenFiles.set(Int64(limit.soft)) }
        guard let stat = Self.stat() else { return }
        residentBytes.set(Int64(stat.residentPages * sysconf(Int32(_SC_PAGESIZE))))
        virtualBytes.set(Int64(stat.virtualBytes))
        let total = Double(stat.cpuTicks) / Double(sysconf(Int32(_SC_CLK_TCK)))
        let added = cpuExported.withLock { exported in
            defer { exported = max(exported, total) }
            return total - exported
        }
        if added > 0 { cpuSeconds.increment(by: added) }
    }

    /// The fields of `/proc/self/stat` these metrics use.
    private struct Stat {
        var cpuTicks: Int
        var startTicks: Int
        var virtualBytes: Int
        var residentPages: Int
    }

    /// `/proc/self/stat`, read from after the command name (which may hold spaces): the state is field 3, so
    /// utime (14), stime (15), starttime (22), vsize (23) and rss (24) are at 11, 12, 19, 20 and 21.
    private static func stat() -> Stat? {
        let fields = ProcFile.fields("/proc/self/stat")
        guard let end = fields.lastIndex(where: { $0.hasSuffix(")") }) else { return nil }
        let values = fields[(end + 1)...].map { Int($0) ?? 0 }
        guard values.count > 21 else { return nil }
        return Stat(
            cpuTicks: values[11] + values[12], startTicks: values[19], virtualBytes: values[20],
            residentPages: values[21])
    }

    /// Boot time (`btime` in `/proc/stat`) plus the process's start, in clock ticks after boot.
    private static func startTime() -> Double? {
        let fields = ProcFile.fields("/proc/stat", limit: 1 << 18)
        guard let index = fields.firstIndex(of: "btime"), index + 1 < fields.count, let boot = Int(fields[index + 1]),
            let stat = stat()
        else { return nil }
        return Double(boot) + Double(stat.startTicks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
