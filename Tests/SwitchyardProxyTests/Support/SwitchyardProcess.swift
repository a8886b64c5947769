import Foundation
import Synchronization

/// The built `switchyard` binary run as a child process, for what only a real process shows: exit codes,
/// signals and resident memory.
final class SwitchyardProcess: Sendable {
    private let process: Process
    /// Standard output and error; kept so that the read end stays open even when nothing reads it.
    private let outputPipe: Pipe
    private let lines = Mutex<[String]>([])

    /// `.build/debug/switchyard` next to this package (built by `swift build`, which the test script runs first).
    static var binaryPath: String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        for configuration in ["debug", "release"] {
            let path = root.appendingPathComponent(".build/\(configuration)/switchyard").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return root.appendingPathComponent(".build/debug/switchyard").path
    }

    /// Runs the binary with `arguments`; its admin endpoint takes a free port (`--metrics-port 0`) unless the
    /// arguments name one, so tests running side by side do not compete for 9090.
    /// - Parameter stopReadingAfter: when given, output is read only until a line containing this text has arrived;
    ///   after that the pipe stays open but nobody reads it (a stuck log consumer).
    /// - Parameter environment: variables added to the test's own environment.
    /// - Parameter launcher: a command that sets something up and then executes the binary in its own place (so
    ///   the process id stays the binary's), e.g. `["/usr/bin/prlimit", "--nofile=512:4096"]`.
    init(
        arguments: [String], stopReadingAfter: String? = nil, environment: [String: String] = [:],
        launcher: [String] = []
    ) throws {
        process = Process()
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }
        }
        let arguments = arguments.contains("--metrics-port") ? arguments : arguments + ["--metrics-port", "0"]
        let command = launcher + [Self.binaryPath] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let output = Pipe()
        outputPipe = output
        process.standardOutput = output
        process.standardError = output
        let handle = output.fileHandleForReading
        try process.run()
        let sink = LineSink(lines: self)
        Thread.detachNewThread {
            var pending = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    sink.append(line)
                    pending.removeSubrange(pending.startIndex...newline)
                    if let stopReadingAfter, line.contains(stopReadingAfter) { return }
                }
            }
        }
    }

    fileprivate func append(_ line: String) {
        lines.withLock { $0.append(line) }
    }

    var output: [String] { lines.withLock { $0 } }

    var pid: Int32 { process.processIdentifier }

    var isRunning: Bool { process.isRunning }

    /// Waits for a log line containing `text`.
    func waitForLine(containing text: String, timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = output.first(where: { $0.contains(text) }) { return line }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw Failure(description: "no line containing \(text); output:\n\(output.joined(separator: "\n"))")
    }

    /// The port of the first `listening` line.
    func listeningPort() async throws -> Int {
        let line = try await waitForLine(containing: "listening")
        guard let match = line.firstMatch(of: /:(\d+)"/), let port = Int(match.1) else {
            throw Failure(description: "no port in \(line)")
        }
        return port
    }

    /// Resident set size in bytes, from /proc.
    var residentBytes: Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }

    func signal(_ number: Int32) {
        kill(pid, number)
    }

    /// Waits for the process to exit and returns its status.
    func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                process.terminate()
                throw Failure(description: "process did not exit")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    func terminate() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }
}

private struct LineSink: @unchecked Sendable {
    let lines: SwitchyardProcess
    func append(_ line: String) { lines.append(line) }
}

/// Writes `text` to a fresh temporary file and returns its path.
/// A config file with one reverse listener on a free port in front of the origin on `originPort`, after `settings`
/// (YAML lines such as `log:`, `admin:`, `workers:`).
func reverseConfigFile(originPort: Int, settings: String) throws -> String {
    try temporaryFile(
        """
        \(settings)
        listeners: [ { name: web, mode: reverse, listen: "127.0.0.1:0", pool: backends } ]
        pools: { backends: { targets: [ { url: "http://127.0.0.1:\(originPort)" } ] } }
        """)
}

func temporaryFile(_ text: String, suffix: String = ".yaml") throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-\(UUID().uuidString)\(suffix)").path
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}
