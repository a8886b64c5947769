import Foundation

/// Runs external programs (curl, the switchyard binary) from tests.
enum Subprocess {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `executable` with `arguments` to completion and captures its output.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self)
        )
    }

    /// `curl(_:)` on a thread of its own: for requests to servers that run on Swift's cooperative thread pool (the
    /// admin server), which a blocking call from a test task could otherwise starve on a 2-core machine.
    static func curlOffPool(_ arguments: [String]) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Result { try curl(arguments) })
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
