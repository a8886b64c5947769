#if canImport(Glibc)
    import Glibc
#endif

/// Reads the small text files of `/proc` with plain system calls (no Foundation): they are read on every metrics
/// scrape and by the memory trimmer.
enum ProcFile {
    /// The file's whitespace-separated fields; empty when it cannot be read. Reads at most `limit` bytes.
    static func fields(_ path: String, limit: Int = 1024) -> [Substring] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: limit)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return [] }
        return String(decoding: buffer[..<count], as: UTF8.self).split(whereSeparator: \.isWhitespace)
    }

    /// How many entries a directory has that are not hidden (`/proc/self/fd`: the open descriptors, less the one
    /// reading it). Names are not copied: a scrape of a process holding 20,000 sockets allocates nothing per entry.
    static func entryCount(_ path: String) -> Int? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            if entry.pointee.d_name.0 != CChar(UInt8(ascii: ".")) { count += 1 }
        }
        return count
    }
}
