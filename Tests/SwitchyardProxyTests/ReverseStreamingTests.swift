import Foundation
import Testing

/// 100 MiB each way through the built binary's reverse listener: bytes arrive identical and the proxy's resident
/// memory stays small, because bodies stream with backpressure instead of being buffered.
@Suite(.timeLimit(.minutes(3)))
struct ReverseStreamingTests {
    private static let size = 100 * 1024 * 1024
    private static let memoryCeiling = 64 * 1024 * 1024

    /// Runs `command` while sampling the proxy's resident memory; returns the command's output and the peak.
    private func measuring(_ proxy: SwitchyardProcess, _ command: @escaping @Sendable () throws -> Subprocess.Output)
        async throws -> (Subprocess.Output, Int)
    {
        let sampler = Task.detached { () -> Int in
            var peak = 0
            while !Task.isCancelled {
                peak = max(peak, proxy.residentBytes)
                try? await Task.sleep(for: .milliseconds(20))
            }
            return peak
        }
        let output = try await Task.detached { try command() }.value
        sampler.cancel()
        return (output, max(await sampler.value, proxy.residentBytes))
    }

    @Test func hundredMiBUploadAndDownloadStayByteIdenticalInBoundedMemory() async throws {
        try await withResources { resources in
            let origin = resources.track(try await TestOrigin.start(group: resources.group))
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let source = directory.appendingPathComponent("source").path
            let echoed = directory.appendingPathComponent("echoed").path
            let downloaded = directory.appendingPathComponent("downloaded").path
            let expected = directory.appendingPathComponent("expected").path
            _ = try Subprocess.run("/bin/sh", ["-c", "head -c \(Self.size) /dev/urandom > \(source)"])
            _ = try Subprocess.run("/bin/sh", ["-c", "head -c \(Self.size) /dev/zero | tr '\\0' x > \(expected)"])

            let config = try temporaryFile(
                """
                log: { level: info, format: json }
                workers: 1
                listeners:
                  - { name: web, mode: reverse, listen: "127.0.0.1:0", pool: web }
                pools:
                  web: { targets: [ { url: "http://127.0.0.1:\(origin.port)" } ] }
                """)
            defer { try? FileManager.default.removeItem(atPath: config) }
            let proxy = try SwitchyardProcess(arguments: ["--config", config])
            defer { proxy.terminate() }
            let url = "http://127.0.0.1:\(try await proxy.listeningPort())"

            let (upload, uploadPeak) = try await measuring(proxy) {
                try Subprocess.curl(["--data-binary", "@\(source)", "-H", "Expect:", "-o", echoed, "\(url)/echo"])
            }
            #expect(upload.status == 0, "\(upload.stderr)")
            #expect(try Subprocess.run("/usr/bin/cmp", [source, echoed]).status == 0, "echoed body differs")
            #expect(uploadPeak < Self.memoryCeiling, "peak RSS \(uploadPeak >> 20) MiB during the upload")

            let (download, downloadPeak) = try await measuring(proxy) {
                try Subprocess.curl(["-o", downloaded, "\(url)/bytes?n=\(Self.size)"])
            }
            #expect(download.status == 0, "\(download.stderr)")
            #expect(try Subprocess.run("/usr/bin/cmp", [expected, downloaded]).status == 0, "downloaded body differs")
            #expect(downloadPeak < Self.memoryCeiling, "peak RSS \(downloadPeak >> 20) MiB during the download")
        }
    }
}
