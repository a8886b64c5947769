#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What identifies one version of a file's content without reading it: the device and inode the path resolves to
/// (following symlinks, so a Kubernetes ConfigMap's `..data` swap or an editor's rename-over is a new inode), its
/// size and its modification time.
struct FileSignature: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modifiedSeconds: Int
    var modifiedNanoseconds: Int

    /// The signature of the file at `path` now; nil when it does not exist or cannot be read.
    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modifiedSeconds = info.st_mtim.tv_sec
        modifiedNanoseconds = info.st_mtim.tv_nsec
    }

    init(device: UInt64, inode: UInt64, size: Int64, modifiedSeconds: Int, modifiedNanoseconds: Int = 0) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modifiedSeconds = modifiedSeconds
        self.modifiedNanoseconds = modifiedNanoseconds
    }
}

/// Decides when a watched file has changed for good: a new signature must be seen on two checks in a row before it
/// counts, so a save that takes several writes (or a truncate, then a write) is one change, applied once. A file
/// that is missing for a moment (deleted, then written again) is not a change.
struct ConfigFileWatch: Sendable {
    /// The version last applied (or found at the start).
    private var applied: FileSignature?
    /// A version seen once, waiting to be seen again.
    private var candidate: FileSignature?

    init(initial: FileSignature?) {
        applied = initial
    }

    /// Takes one check's observation; true when the file has settled on a new version that should be reloaded.
    mutating func observe(_ signature: FileSignature?) -> Bool {
        guard let signature, signature != applied else {
            candidate = nil
            return false
        }
        guard signature == candidate else {
            candidate = signature
            return false
        }
        applied = signature
        candidate = nil
        return true
    }
}
