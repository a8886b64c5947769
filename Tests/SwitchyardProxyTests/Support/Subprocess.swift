import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs external programs (curl, the switchyard binary) from tests.
enum Subprocess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `executable` with `arguments` to completion and captures its output.
    ///
    /// Spawned with `posix_spawn` rather than `Foundation.Process`, whose `run()` crashed now and then in full test
    /// runs (copying its view of `/proc/self/fd` while other threads open and close sockets) and whose
    /// `readDataToEndOfFile` traps on `EINTR`. The pipes are close-on-exec, so children do not keep each other's open.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Output {
        var output = [Int32](repeating: -1, count: 2)
        var errors = [Int32](repeating: -1, count: 2)
        guard pipe(&output) == 0, pipe(&errors) == 0 else {
            throw SpawnFailure(description: "pipe failed: errno \(errno)")
        }
        for fd in output + errors { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        // The test process holds many descriptors a child must not keep open (listening sockets of stopped test
        // servers, client sockets a test expects to see closed), not all close-on-exec: bash closes every one above
        // 2, then becomes the program.
        let closeAndExec = #"for f in /proc/$$/fd/*; do n=${f##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done; exec "$0" "$@""#
        let argv = (["/bin/bash", "-c", closeAndExec, executable] + arguments).map { strdup($0) } + [nil]
        let env = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer {
            for pointer in argv { free(pointer) }
            for pointer in env ?? [] { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = env.map { posix_spawn(&pid, "/bin/bash", &actions, nil, argv, $0) }
            ?? posix_spawn(&pid, "/bin/bash", &actions, nil, argv, environ)
        close(output[1])
        close(errors[1])
        defer {
            close(output[0])
            close(errors[0])
        }
        guard spawned == 0 else { throw SpawnFailure(description: "posix_spawn \(executable) failed: \(spawned)") }
        let (stdout, stderr) = readBoth(output[0], errors[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Output(
            status: exitCode,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    struct SpawnFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Reads two descriptors to their ends at once, so neither child pipe can fill up and stall the other.
    private static func readBoth(_ first: Int32, _ second: Int32) -> ([UInt8], [UInt8]) {
        var collected: [[UInt8]] = [[], []]
        var open = [true, true]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while open[0] || open[1] {
            var fds = [
                pollfd(fd: open[0] ? first : -1, events: Int16(POLLIN), revents: 0),
                pollfd(fd: open[1] ? second : -1, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for index in 0..<2 where open[index] && fds[index].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { read(fds[index].fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    collected[index] += buffer[..<count]
                } else if count == 0 || errno != EINTR {
                    open[index] = false
                }
            }
        }
        return (collected[0], collected[1])
    }

    /// `curl(_:)` on a thread of its own: for requests to servers that run on Swift's cooperative thread pool (the
    /// admin server), which a blocking call from a test task could otherwise starve on a 2-core machine.
    static func curlOffPool(_ arguments: [String]) async throws -> Output {
        try await offPool { try curl(arguments) }
    }

    /// `run(_:_:environment:)` on a thread of its own, for programs that run long (schemathesis): waiting for them
    /// must not hold one of the few threads of Swift's cooperative pool.
    static func runOffPool(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil
    ) async throws -> Output {
        try await offPool { try run(executable, arguments, environment: environment) }
    }

    private static func offPool(_ body: @escaping @Sendable () throws -> Output) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try body() })
            }
        }
    }

    /// The status codes curl got for the requests `arguments` describe (URL globs like `/page?[1-10]` give several).
    static func statuses(_ arguments: [String]) throws -> [String] {
        try curl(["-o", "/dev/null", "-w", "%{http_code}\\n"] + arguments).stdout.split(separator: "\n").map(String.init)
    }

    /// Runs curl with a bounded total time.
    static func curl(_ arguments: [String]) throws -> Output {
        try run("/usr/bin/curl", ["--silent", "--show-error", "--max-time", "60"] + arguments)
    }
}
