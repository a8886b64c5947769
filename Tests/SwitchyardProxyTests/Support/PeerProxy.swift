import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real program from Debian's packages run in the background for a test: a proxy (squid, tinyproxy, microsocks,
/// Dante) as an upstream, leaving towards origins from its own loopback address, or python3's `http.server` as a
/// backend. Each runs on a loopback port (ephemeral unless given), with a private temporary config and directories;
/// `stop()` ends it by its process id and removes its directory (and the system user Dante logs in against).
final class PeerProxy {
    let name: String
    let port: Int
    private let directory: String
    private var pid: pid_t
    /// The throw-away system user whose name and password the proxy accepts (Dante only).
    private(set) var systemUser: String?

    private init(name: String, port: Int, directory: String, pid: pid_t) {
        self.name = name
        self.port = port
        self.directory = directory
        self.pid = pid
    }

    /// Squid as an HTTP upstream (no authentication), leaving from `outgoing`. Run as root, Squid switches to its
    /// `proxy` user, so its directory is world-writable.
    static func squid(outgoing: String) async throws -> PeerProxy {
        try await start("squid") { port, directory in
            let config = """
                http_port 127.0.0.1:\(port)
                pid_filename \(directory)/squid.pid
                cache deny all
                cache_log \(directory)/cache.log
                access_log stdio:\(directory)/access.log
                cache_store_log none
                coredump_dir \(directory)
                pinger_enable off
                shutdown_lifetime 0 seconds
                tcp_outgoing_address \(outgoing)
                http_access allow all

                """
            try config.write(toFile: "\(directory)/squid.conf", atomically: true, encoding: .utf8)
            return ["/usr/sbin/squid", "-N", "-f", "\(directory)/squid.conf"]
        }
    }

    /// tinyproxy as an HTTP upstream with Basic authentication, leaving from `outgoing`.
    static func tinyproxy(outgoing: String, user: String, password: String) async throws -> PeerProxy {
        try await start("tinyproxy") { port, directory in
            let config = """
                Port \(port)
                Listen 127.0.0.1
                Bind \(outgoing)
                Timeout 30
                MaxClients 200
                LogLevel Warning
                DisableViaHeader Yes
                BasicAuth \(user) \(password)

                """
            try config.write(toFile: "\(directory)/tinyproxy.conf", atomically: true, encoding: .utf8)
            return ["/usr/bin/tinyproxy", "-d", "-c", "\(directory)/tinyproxy.conf"]
        }
    }

    /// microsocks as a SOCKS5 upstream with username/password, leaving from `outgoing`.
    static func microsocks(outgoing: String, user: String, password: String) async throws -> PeerProxy {
        try await start("microsocks") { port, _ in
            ["/usr/bin/microsocks", "-u", user, "-P", password, "-i", "127.0.0.1", "-p", "\(port)", "-b", outgoing]
        }
    }

    /// Dante (`danted`) as a SOCKS5 upstream with username/password, leaving from `outgoing`. Dante checks RFC 1929
    /// logins against the system's own users only (`socksmethod: username`; the alternative, PAM, needs a file in
    /// /etc/pam.d as well), so a throw-away user with `password` and no home or shell is created for it —
    /// `systemUser`, named uniquely per call so that concurrent test runs never share one — and removed by
    /// `stop()`. Needs root, as the tests run here and in CI.
    static func dante(outgoing: String, password: String) async throws -> PeerProxy {
        guard geteuid() == 0 else {
            throw PeerFailure(description: "Dante logs users in against system accounts: creating one needs root")
        }
        let user = "sydante\(UInt32.random(in: 0...UInt32.max))"
        let created = try Subprocess.run(
            "/bin/sh",
            [
                "-c",
                #"id -u "$1" >/dev/null 2>&1 || useradd -M -N -s /usr/sbin/nologin "$1"; echo "$1:$2" | chpasswd"#,
                "sh", user, password,
            ])
        guard created.status == 0 else {
            removeSystemUser(user)
            throw PeerFailure(description: "cannot create the Dante user: \(created.stderr)")
        }
        do {
            let peer = try await start("dante") { port, directory in
                let config = """
                    logoutput: stderr
                    internal: 127.0.0.1 port = \(port)
                    external: \(outgoing)
                    clientmethod: none
                    socksmethod: username
                    user.privileged: root
                    user.unprivileged: nobody
                    client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
                    socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 command: connect }

                    """
                try config.write(toFile: "\(directory)/danted.conf", atomically: true, encoding: .utf8)
                return [
                    "/usr/sbin/danted", "-N", "1", "-f", "\(directory)/danted.conf", "-p", "\(directory)/danted.pid",
                ]
            }
            peer.systemUser = user
            return peer
        } catch {
            removeSystemUser(user)
            throw error
        }
    }

    private static func removeSystemUser(_ user: String) {
        _ = try? Subprocess.run("/bin/sh", ["-c", #"! id -u "$1" >/dev/null 2>&1 || userdel "$1""#, "sh", user])
    }

    /// python3's `http.server` as a backend on 127.0.0.1 (on `port`, when given: a backend coming back), answering
    /// `200` with a listing of its empty directory to `GET /` and logging each request to `output`.
    static func httpServer(port: Int? = nil) async throws -> PeerProxy {
        try await start("http.server", port: port) { port, directory in
            ["/usr/bin/python3", "-m", "http.server", "\(port)", "--bind", "127.0.0.1", "--directory", directory]
        }
    }

    /// A python3 HTTP server on 127.0.0.1 that is up but broken: it answers every `GET` with `500`, logging each
    /// request to `output`.
    static func failingHTTPServer() async throws -> PeerProxy {
        try await start("failing-http", port: nil) { port, _ in
            ["/usr/bin/python3", "-c", failingServerScript, "\(port)"]
        }
    }

    private static let failingServerScript = """
        import http.server, sys
        class Broken(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(500)
                self.send_header("Content-Length", "7")
                self.end_headers()
                self.wfile.write(b"broken\\n")
        http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Broken).serve_forever()
        """

    /// A python3 webhook receiver on 127.0.0.1: answers `500` to its first request and `200` to the rest, and prints
    /// one JSON line per request to `output`: `{"time": <epoch seconds>, "signed": <true when X-Switchyard-Signature
    /// is the HMAC-SHA256 of the body under secret, computed by python's hmac>, "body": <the body's JSON>}`.
    static func webhookReceiver(secret: String) async throws -> PeerProxy {
        try await start("webhook-receiver", port: nil) { port, _ in
            ["/usr/bin/python3", "-u", "-c", webhookReceiverScript, "\(port)", secret]
        }
    }

    private static let webhookReceiverScript = """
        import hashlib, hmac, http.server, json, sys, time
        secret = sys.argv[2].encode()
        seen = [0]
        class Receiver(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
                signed = hmac.compare_digest(expected, self.headers.get("X-Switchyard-Signature", ""))
                print(json.dumps({"time": time.time(), "signed": signed, "body": json.loads(body)}), flush=True)
                seen[0] += 1
                self.send_response(500 if seen[0] == 1 else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()
            def log_message(self, *args):
                pass
        http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Receiver).serve_forever()
        """

    /// Starts `name` on `port` (or a free one) and waits (up to 15 s) until it accepts connections; tries another
    /// free port if the program exits first (another test took the port meanwhile). `command` gets the port and the
    /// peer's private directory, and returns the program and its arguments.
    static func start(
        _ name: String, port fixedPort: Int? = nil, command: (Int, String) throws -> [String]
    ) async throws -> PeerProxy {
        for _ in 0..<3 {
            let directory = NSTemporaryDirectory() + "switchyard-\(name)-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            chmod(directory, 0o777)
            let port = try fixedPort ?? freeLoopbackPort()
            let arguments = try command(port, directory)
            let pid = try spawn(arguments, log: "\(directory)/output.log")
            let peer = PeerProxy(name: name, port: port, directory: directory, pid: pid)
            if try await eventually(within: 15, { RawClient.canConnect(port: port) || peer.hasExited }),
                !peer.hasExited
            {
                return peer
            }
            peer.stop()
        }
        throw PeerFailure(description: "\(name) did not start")
    }

    /// What the program wrote to its standard output and error so far.
    var output: String {
        (try? String(contentsOfFile: "\(directory)/output.log", encoding: .utf8)) ?? ""
    }

    /// Ends the program (SIGTERM, then SIGKILL after 5 s), waits for it, and removes its directory. Idempotent.
    func stop() {
        if pid > 0 {
            var status: Int32 = 0
            // Signal only a child of ours that still runs: once reaped, its PID may belong to another process (the
            // PID space is 32,768 and the suite starts thousands), such as another test's Switchyard.
            if waitpid(pid, &status, WNOHANG) == 0 { kill(pid, SIGTERM) }
            let deadline = ContinuousClock.now + .seconds(5)
            while waitpid(pid, &status, WNOHANG) == 0 {
                if ContinuousClock.now > deadline { kill(pid, SIGKILL) }
                usleep(10_000)
            }
            pid = 0
        }
        if let systemUser {
            Self.removeSystemUser(systemUser)
            self.systemUser = nil
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    deinit { stop() }

    /// Whether the program has ended (then it is reaped, and `stop()` signals nothing).
    private var hasExited: Bool {
        var status: Int32 = 0
        guard pid > 0, waitpid(pid, &status, WNOHANG) == pid else { return pid == 0 }
        pid = 0
        return true
    }

    struct PeerFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts `arguments` in the background with its output in `log`; closes the test process' descriptors in the
    /// child as `Subprocess.run` does.
    private static func spawn(_ arguments: [String], log: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let closeAndExec = #"for f in /proc/$$/fd/*; do n=${f##*/}; if [ "$n" -gt 2 ]; then eval "exec $n>&-"; fi; done; exec "$0" "$@""#
        let argv = (["/bin/bash", "-c", closeAndExec] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        // The test process blocks or ignores signals (SIGTERM among them) that its children must obey.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&signals, signal) }
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw PeerFailure(description: "posix_spawn \(arguments[0]) failed: \(spawned)") }
        return pid
    }
}
