#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The file holding a running instance's process id, for `switchyard reload` and service managers. Claimed once the
/// listeners are bound, removed on exit; a file naming another live process is never overwritten, so two instances
/// cannot share one.
public struct PIDFile: Sendable {
    public let path: String

    /// Why a PID file could not be claimed or used.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Writes this process's id to `path` (through a temporary file and a rename, so readers never see half of it).
    /// - Throws: `Failure` when the file names another process that is still running, or cannot be written.
    public static func claim(_ path: String) throws(Failure) -> PIDFile {
        if let holder = readProcessID(path), holder != getpid(), isRunning(holder) {
            throw Failure(description: "pid file \(path) belongs to running process \(holder)")
        }
        let temporary = path + ".switchyard-new"
        let text = "\(getpid())\n"
        guard let file = fopen(temporary, "w") else {
            throw Failure(description: "cannot write pid file \(path): \(String(cString: strerror(errno)))")
        }
        let written = fputs(text, file) >= 0
        fclose(file)
        guard written, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw Failure(description: "cannot write pid file \(path): \(String(cString: strerror(errno)))")
        }
        return PIDFile(path: path)
    }

    /// Removes the file if it still names this process (a successor may have claimed it since).
    public func remove() {
        if Self.readProcessID(path) == getpid() { unlink(path) }
    }

    /// Sends `signal` to the process the file at `path` names.
    /// - Throws: `Failure` when the file is missing or unreadable, or names no running process.
    public static func signal(_ signal: Int32, toProcessIn path: String) throws(Failure) {
        guard let processID = readProcessID(path) else {
            throw Failure(description: "no process id in \(path) (is switchyard running with this pid file?)")
        }
        guard kill(processID, signal) == 0 else {
            throw Failure(description: "cannot signal process \(processID) from \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The process id written in the file at `path`, if it holds one.
    static func readProcessID(_ path: String) -> pid_t? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = fread(&bytes, 1, bytes.count, file)
        let text = String(decoding: bytes[..<count], as: UTF8.self).trimmingCharacters(in: " \n\t\r")
        guard let value = pid_t(text), value > 0 else { return nil }
        return value
    }

    /// Whether a process with this id exists (one owned by another user counts).
    private static func isRunning(_ processID: pid_t) -> Bool {
        kill(processID, 0) == 0 || errno == EPERM
    }
}

extension String {
    fileprivate func trimmingCharacters(in characters: String) -> String {
        let set = Set(characters)
        let start = firstIndex { !set.contains($0) } ?? endIndex
        let end = lastIndex { !set.contains($0) }.map(index(after:)) ?? start
        return String(self[start..<end])
    }
}
