import Foundation

/// A DNS server on a loopback port for one test: `scripts/dns-server.py` (dnslib, from `.build-venv/`) answering A,
/// AAAA and SRV questions over UDP and TCP from records the test can change while it runs. It answers loopback
/// addresses only. Run as a `PeerProxy` (its own directory, stopped by process id).
final class LoopbackDNSServer {
    /// One answer the server gives for a name.
    enum Record: Encodable {
        case a(String, ttl: Int = 0)
        case aaaa(String, ttl: Int = 0)
        case srv(target: String, port: Int, priority: Int = 0, weight: Int = 1, ttl: Int = 0)

        private var isA: Bool {
            if case .a = self { true } else { false }
        }

        private enum Field: String, CodingKey { case type, address, ttl, target, port, priority, weight }

        func encode(to encoder: any Encoder) throws {
            var fields = encoder.container(keyedBy: Field.self)
            switch self {
            case .a(let address, let ttl), .aaaa(let address, let ttl):
                try fields.encode(isA ? "A" : "AAAA", forKey: .type)
                try fields.encode(address, forKey: .address)
                try fields.encode(ttl, forKey: .ttl)
            case .srv(let target, let port, let priority, let weight, let ttl):
                try fields.encode("SRV", forKey: .type)
                try fields.encode(target, forKey: .target)
                try fields.encode(port, forKey: .port)
                try fields.encode(priority, forKey: .priority)
                try fields.encode(weight, forKey: .weight)
                try fields.encode(ttl, forKey: .ttl)
            }
        }
    }

    private let peer: PeerProxy
    private let recordsPath: String

    /// The UDP and TCP port on 127.0.0.1.
    var port: Int { peer.port }

    /// `127.0.0.1:PORT`, as `dns.servers` names it.
    var address: String { "127.0.0.1:\(port)" }

    private init(peer: PeerProxy, recordsPath: String) {
        self.peer = peer
        self.recordsPath = recordsPath
    }

    /// Starts a server answering `records` (by name; any other name is NXDOMAIN). The server says when it has
    /// bound both sockets: until then, the port accepting connections may be another test's server that took the
    /// same free port first (this one then exits, and another port is tried).
    static func start(_ records: [String: [Record]]) async throws -> LoopbackDNSServer {
        guard let python = pythonPath else {
            throw PeerProxy.PeerFailure(description: "dnslib's venv not found: run scripts/test.sh")
        }
        for _ in 0..<3 {
            var recordsPath = ""
            let peer = try await PeerProxy.start("dns-server") { port, directory in
                recordsPath = "\(directory)/records.json"
                try write(records, to: recordsPath)
                return [python, scriptPath, "--port", "\(port)", "--records", recordsPath]
            }
            let ready = "listening on 127.0.0.1:\(peer.port)"
            if try await eventually(within: 10, { peer.output.contains(ready) || peer.output.contains("Error") }),
                peer.output.contains(ready)
            {
                return LoopbackDNSServer(peer: peer, recordsPath: recordsPath)
            }
            peer.stop()
        }
        throw PeerProxy.PeerFailure(description: "the DNS server did not start")
    }

    /// A config with a reverse listener on an ephemeral loopback port over the pool `backends`, names resolved
    /// through this server; `pool` is the pool's own lines, each indented by four spaces.
    func reverseYAML(pool: String) -> String {
        """
        log: { level: error, format: text }
        dns: { servers: ["\(address)"] }
        listeners:
          - { name: web, mode: reverse, listen: "127.0.0.1:0", pool: backends }
        pools:
          backends:
        \(pool)
        """
    }

    /// Replaces every record; the next question is answered from the new ones.
    func setRecords(_ records: [String: [Record]]) throws {
        try Self.write(records, to: recordsPath)
    }

    /// What the server wrote: a `query NAME TYPE PROTOCOL` line per question, and any problem with the records.
    var log: String { peer.output }

    /// How many questions for `name` (of `type`, and over `transport`, `udp` or `tcp`, when given) the server has
    /// answered so far.
    func queries(for name: String, type: String? = nil, over transport: String? = nil) -> Int {
        log.split(separator: "\n").filter { line in
            let words = line.split(separator: " ")
            return words.count == 4 && words[0] == "query" && words[1] == name && (type.map { words[2] == $0 } ?? true)
                && (transport.map { words[3] == $0 } ?? true)
        }.count
    }

    /// Ends the server and removes its directory. Idempotent.
    func stop() {
        peer.stop()
    }

    /// Writes to a new file renamed over the old one, so the server never reads half a file; the new file's inode
    /// is what makes the server read it again.
    private static func write(_ records: [String: [Record]], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try encoder.encode(records).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    private static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    private static var scriptPath: String { packageRoot.appendingPathComponent("scripts/dns-server.py").path }

    /// `.build-venv/bin/python3` in the package, where `scripts/test.sh` installs dnslib.
    private static var pythonPath: String? {
        let path = packageRoot.appendingPathComponent(".build-venv/bin/python3").path
        return FileManager.default.isExecutableFile(atPath: path) ? path : nil
    }
}
