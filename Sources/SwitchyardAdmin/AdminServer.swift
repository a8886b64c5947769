import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The admin listener: liveness, readiness, metrics, stats, the `/api/v1` management API and the dashboard, served
/// from an `AdminSource` (the running Switchyard, or a fake in tests).
///
/// Why Hummingbird 2 rather than another hand-written NIO pipeline: the admin API has a dozen routes with path
/// parameters, methods and bodies, and Hummingbird gives a real trie router for them, `async` handlers that can await
/// the runtime's reconfiguration directly, and an `Application` that is a swift-service-lifecycle `Service`, so the
/// admin listener starts and drains in the same `ServiceGroup` as the proxy listeners. It runs on its own channels,
/// off the proxy's data path, so its conveniences (Foundation's JSON coders, per-request allocations) cost the
/// proxied traffic nothing.
///
/// Run it as a `Service` in the runtime's `ServiceGroup` (graceful shutdown stops it), or call `run()` in a task and
/// cancel the task. With `port: 0` the system picks a free port; `onServerRunning` and `boundPort` tell which.
public final class AdminServer: Service, Sendable {
    /// Where the admin listener binds and how much it accepts.
    public struct Configuration: Sendable {
        /// The address to bind. Default `127.0.0.1`: the admin API stays on loopback unless configured otherwise.
        public var host: String
        /// The port to bind. Default `9090`; `0` lets the system pick one (tests).
        public var port: Int
        /// The largest request body accepted (`PUT /api/v1/config` and the JSON endpoints). Default 4 MiB; larger
        /// bodies get 413.
        public var maxBodyBytes: Int

        public init(host: String = "127.0.0.1", port: Int = 9090, maxBodyBytes: Int = 4 << 20) {
            self.host = host
            self.port = port
            self.maxBodyBytes = maxBodyBytes
        }
    }

    let source: any AdminSource
    /// The configuration the server was made with.
    public let configuration: Configuration
    let logger: Logger
    private let onServerRunning: @Sendable (_ port: Int) async -> Void
    private let failureCount = Atomic<Int>(0)
    private let portInUse = Atomic<Int>(-1)

    /// - Parameters:
    ///   - source: what the server reads and changes; asked afresh on every request (keys included).
    ///   - configuration: bind address and limits.
    ///   - logger: receives the listener's start, every refused key (without the key) and every change made.
    ///   - onServerRunning: called once the listener is bound, with the bound port.
    public init(
        source: any AdminSource,
        configuration: Configuration = Configuration(),
        logger: Logger,
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) {
        self.source = source
        self.configuration = configuration
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    /// Requests refused for a missing, unknown or insufficient key (401 and 403) since the server was made: the
    /// runtime exports it as `switchyard_auth_failures_total{listener="admin"}`.
    public var authFailures: Int { failureCount.load(ordering: .relaxed) }

    /// The bound port while the listener runs (the real one when configured as 0), nil before it is bound and after
    /// `run()` returns.
    public var boundPort: Int? {
        let port = portInUse.load(ordering: .acquiring)
        return port < 0 ? nil : port
    }

    /// Binds and serves until graceful shutdown (inside a `ServiceGroup`) or until the task is cancelled.
    /// - Throws: `AdminBindError` naming the address when it cannot be bound.
    public func run() async throws {
        defer { portInUse.store(-1, ordering: .releasing) }
        do {
            try await makeApplication().run()
        } catch where boundPort == nil {
            throw AdminBindError(address: "\(configuration.host):\(configuration.port)", underlying: error)
        }
    }

    func recordAuthFailure() {
        failureCount.add(1, ordering: .relaxed)
    }

    /// The Hummingbird application behind `run()`; tests drive it with HummingbirdTesting.
    func makeApplication() -> some ApplicationProtocol {
        Application(
            router: makeRouter(),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: nil
            ),
            onServerRunning: { [self] channel in
                let port = channel.localAddress?.port ?? configuration.port
                portInUse.store(port, ordering: .releasing)
                await onServerRunning(port)
            },
            logger: logger
        )
    }
}

/// The per-request context: Hummingbird's core storage plus the peer address, for the logs of refused keys.
struct AdminRequestContext: RequestContext, RemoteAddressRequestContext {
    var coreContext: CoreRequestContextStorage
    let remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }
}

/// The admin endpoint could not bind its address.
public struct AdminBindError: Error, CustomStringConvertible {
    public var address: String
    public var underlying: any Error
    public var description: String { "admin endpoint: cannot listen on \(address): \(underlying)" }
}
