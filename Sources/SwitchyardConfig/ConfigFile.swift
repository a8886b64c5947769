#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a config file with plain libc, so the module needs no Foundation.
enum ConfigFile {
    /// The file's text (invalid UTF-8 replaced); an unreadable file is an issue naming it.
    static func read(_ path: String) throws(ConfigErrors) -> String {
        guard let handle = fopen(path, "rb") else { throw failure(path) }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, handle) }
            bytes.append(contentsOf: chunk[..<count])
            if count < chunk.count { break }
        }
        if ferror(handle) != 0 { throw failure(path) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func failure(_ path: String) -> ConfigErrors {
        let reason = String(cString: strerror(errno))
        return ConfigErrors(issues: [ConfigIssue(path: "", file: path, message: "cannot read the file: \(reason)")])
    }
}
