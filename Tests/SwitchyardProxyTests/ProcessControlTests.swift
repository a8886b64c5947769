import Foundation
@testable import SwitchyardRuntime
import Testing

/// Controlling a running instance from outside: its PID file, `switchyard reload`, and watching the config file.
@Suite(.timeLimit(.minutes(2)))
struct ProcessControlTests {
    private func config(maxConnectionsPerTarget: Int, extra: String = "") -> String {
        """
        log: { level: info, format: json }
        admin: { listen: "127.0.0.1:0" }
        \(extra)
        listeners: [ { name: egress, mode: forward, listen: "127.0.0.1:0", pool: out } ]
        pools: { out: { max_connections_per_target: \(maxConnectionsPerTarget), targets: [ {} ] } }
        """
    }

    @Test func thePIDFileIsClaimedOnceListeningGuardsAgainstASecondInstanceAndGoesOnExit() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let configPath = directory + "/switchyard.yaml"
        let pidPath = directory + "/switchyard.pid"
        try config(maxConnectionsPerTarget: 10).write(toFile: configPath, atomically: true, encoding: .utf8)
        let proxy = try SwitchyardProcess(arguments: ["--config", configPath, "--pid-file", pidPath])
        defer { proxy.terminate() }
        _ = try await proxy.waitForLine(containing: "switchyard started")
        #expect(try String(contentsOfFile: pidPath, encoding: .utf8) == "\(proxy.pid)\n")

        let second = try Subprocess.run(SwitchyardProcess.binaryPath, ["--config", configPath, "--pid-file", pidPath])
        #expect(second.status != 0)
        #expect(second.stdout.contains("belongs to running process \(proxy.pid)"), "\(second.stdout)")
        #expect(try String(contentsOfFile: pidPath, encoding: .utf8) == "\(proxy.pid)\n", "left to its owner")

        try config(maxConnectionsPerTarget: 20).write(toFile: configPath, atomically: true, encoding: .utf8)
        let reload = try Subprocess.run(SwitchyardProcess.binaryPath, ["reload", "--config", configPath, "--pid-file", pidPath])
        #expect(reload.status == 0, "\(reload.stderr)")
        _ = try await proxy.waitForLine(containing: "configuration reloaded")

        proxy.signal(SIGTERM)
        #expect(try await proxy.waitForExit() == 0)
        #expect(!FileManager.default.fileExists(atPath: pidPath))
        let orphan = try Subprocess.run(SwitchyardProcess.binaryPath, ["reload", "--pid-file", pidPath])
        #expect(orphan.status != 0 && orphan.stderr.contains("no process id"), "\(orphan.stderr)")
    }

    /// The three ways a file gets saved — written in place, renamed over, and a Kubernetes ConfigMap's `..data`
    /// symlink swap — each give exactly one reload.
    @Test func eachSaveOfAWatchedFileIsOneReload() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = FileManager.default
        // The ConfigMap layout: config.yaml -> ..data/config.yaml, ..data -> ..v1 (a directory of real files).
        try files.createDirectory(atPath: directory + "/..v1", withIntermediateDirectories: false)
        try config(maxConnectionsPerTarget: 1).write(toFile: directory + "/..v1/config.yaml", atomically: true, encoding: .utf8)
        try files.createSymbolicLink(atPath: directory + "/..data", withDestinationPath: "..v1")
        try files.createSymbolicLink(atPath: directory + "/config.yaml", withDestinationPath: "..data/config.yaml")
        let watched = directory + "/config.yaml"
        let proxy = try SwitchyardProcess(arguments: ["--config", watched, "--watch"])
        defer { proxy.terminate() }
        _ = try await proxy.waitForLine(containing: "switchyard started")
        func reloads() -> Int { proxy.output.filter { $0.contains("configuration reloaded") }.count }
        func expectOneMoreReload(after change: () throws -> Void, _ how: Comment) async throws {
            let before = reloads()
            try change()
            let deadline = ContinuousClock.now + .seconds(10)
            while reloads() == before, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(500))  // five more checks: a second reload would show by now
            #expect(reloads() == before + 1, how)
        }
        let settings = "reload: { interval: 100ms }"

        try await expectOneMoreReload(after: {
            // In place, in two writes (truncate, then content), as some editors and `cat >` do.
            let handle = try #require(FileHandle(forWritingAtPath: directory + "/..v1/config.yaml"))
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: Data(config(maxConnectionsPerTarget: 2, extra: settings).utf8))
            try handle.close()
        }, "written in place")
        try await expectOneMoreReload(after: {
            try config(maxConnectionsPerTarget: 3, extra: settings).write(toFile: directory + "/..v1/new.yaml", atomically: false, encoding: .utf8)
            #expect(rename(directory + "/..v1/new.yaml", directory + "/..v1/config.yaml") == 0)
        }, "renamed over")
        try await expectOneMoreReload(after: {
            try files.createDirectory(atPath: directory + "/..v2", withIntermediateDirectories: false)
            try config(maxConnectionsPerTarget: 4, extra: settings).write(toFile: directory + "/..v2/config.yaml", atomically: true, encoding: .utf8)
            try files.createSymbolicLink(atPath: directory + "/..data_tmp", withDestinationPath: "..v2")
            #expect(rename(directory + "/..data_tmp", directory + "/..data") == 0)
        }, "ConfigMap symlink swap")
        let check = try Subprocess.run(SwitchyardProcess.binaryPath, ["check", "--config", watched])
        #expect(check.stdout.contains("max_connections_per_target: 4"))
        proxy.signal(SIGTERM)
        #expect(try await proxy.waitForExit() == 0)
    }

    /// A `Type=notify` unit's view: READY=1 once listening, RELOADING=1 then READY=1 around a SIGHUP reload,
    /// STOPPING=1 when SIGTERM starts the drain.
    @Test func theServiceManagerHearsReadyReloadingAndStopping() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/notify"
        let listener = try NotifySocket(path: socketPath)
        let configPath = directory + "/switchyard.yaml"
        try config(maxConnectionsPerTarget: 10).write(toFile: configPath, atomically: true, encoding: .utf8)
        let proxy = try SwitchyardProcess(arguments: ["--config", configPath], environment: ["NOTIFY_SOCKET": socketPath])
        defer { proxy.terminate() }
        let ready = try listener.receive()
        #expect(ready.hasPrefix("READY=1\nMAINPID=\(proxy.pid)\n"), "\(ready)")
        proxy.signal(SIGHUP)
        #expect(try listener.receive().hasPrefix("RELOADING=1\nMONOTONIC_USEC="))
        #expect(try listener.receive().hasPrefix("READY=1"))
        proxy.signal(SIGTERM)
        #expect(try listener.receive().hasPrefix("STOPPING=1"))
        #expect(try await proxy.waitForExit() == 0)
    }

    @Test func aChangeCountsOnceItHasSettledAndAMissingFileIsNoChange() {
        let first = FileSignature(device: 1, inode: 10, size: 100, modifiedSeconds: 1)
        let writing = FileSignature(device: 1, inode: 10, size: 40, modifiedSeconds: 2)
        let written = FileSignature(device: 1, inode: 10, size: 120, modifiedSeconds: 2)
        let renamed = FileSignature(device: 1, inode: 11, size: 120, modifiedSeconds: 2)
        var watch = ConfigFileWatch(initial: first)
        let observed = [first, writing, written, written, written, nil, nil, renamed, renamed, renamed, first]
            .map { watch.observe($0) }
        #expect(observed == [false, false, false, true, false, false, false, false, true, false, false])
        let settledBack = watch.observe(first)
        #expect(settledBack, "the old version back, settled, is a change too")
    }

    private func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }
}

/// A bound Unix datagram socket standing in for systemd's notification socket.
private final class NotifySocket {
    private let descriptor: Int32

    init(path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw RawClient.Failure(description: "bind \(path): errno \(errno)") }
    }

    deinit { close(descriptor) }

    /// The next datagram, waiting at most 20 seconds.
    func receive() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { throw RawClient.Failure(description: "no notification: errno \(errno)") }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
