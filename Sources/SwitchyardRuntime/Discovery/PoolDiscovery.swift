import NIOCore
import SwitchyardConfig
import SwitchyardProxy

/// One pool's DNS discovery within a generation: looks the pool's `discover` name up at once and then every
/// `interval` (counted from the end of each lookup), and hands the backends found to `onChange` when they would
/// change the generation's targets. The change comes back as a new generation, which starts its own lookups.
struct PoolDiscovery: Sendable {
    /// Applies what a lookup found to the pool: its name, the settings it was found with, the backends.
    typealias Handler = @Sendable (String, DiscoverSettings, [DiscoverSettings.Endpoint]) -> Void

    let pool: String
    let settings: DiscoverSettings
    /// The pool's targets in this generation.
    let targets: [TargetSettings]
    let resolver: HostResolver

    /// Starts the lookups on `loop`; cancelling the task ends them.
    func schedule(on loop: any EventLoop, onChange: @escaping Handler) -> RepeatedTask {
        loop.scheduleRepeatedAsyncTask(initialDelay: .zero, delay: TimeAmount(settings.interval)) { _ in
            lookUp(on: loop).map { endpoints in
                guard let endpoints, settings.targets(after: endpoints, current: targets) != targets else { return }
                onChange(pool, settings, endpoints)
            }
        }
    }

    /// The backends the name names now; nil when the lookup failed.
    private func lookUp(on loop: any EventLoop) -> EventLoopFuture<[DiscoverSettings.Endpoint]?> {
        let query: HostResolver.DiscoveryQuery =
            switch settings.type {
            case .a: .addresses(v6: false, port: settings.port ?? 0)
            case .aaaa: .addresses(v6: true, port: settings.port ?? 0)
            case .srv: .services
            }
        return resolver.discover(settings.name, query, on: loop).map { found in
            found?.map { DiscoverSettings.Endpoint(host: $0.host, port: $0.port, weight: $0.weight) }
        }
    }
}
