#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether a schedule's `zone` names a time zone of the system's tz database (`UTC`, `Europe/Paris`, ...), the one
/// the runtime's `TimeZone` reads; checked with plain libc, so the module needs no Foundation.
enum TimeZoneName {
    /// Where the tz database lives.
    static let directory = "/usr/share/zoneinfo/"

    static func isKnown(_ name: String) -> Bool {
        guard !name.isEmpty, !name.hasPrefix("/"), !name.contains(".."),
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_+-".contains($0)) })
        else { return false }
        var status = stat()
        return stat(directory + name, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG
    }
}
