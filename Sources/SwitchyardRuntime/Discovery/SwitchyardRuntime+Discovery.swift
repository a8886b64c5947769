import Logging
import SwitchyardConfig

/// Pools whose targets come from DNS: what a lookup found becomes the pool's targets through the same path as an
/// admin target edit (validated, installed as a new generation, written back with `admin.persist`), so targets
/// that stay keep their live state and new ones start with the pool's slow start.
extension SwitchyardRuntime {
    /// Applies the backends found for `pool`, unless the pool's `discover` settings changed meanwhile or they
    /// change nothing.
    var discoveryHandler: PoolDiscovery.Handler {
        { [weak self] pool, settings, endpoints in
            self?.applyDiscovered(endpoints, toPool: pool, with: settings)
        }
    }

    private func applyDiscovered(
        _ endpoints: [DiscoverSettings.Endpoint], toPool pool: String, with settings: DiscoverSettings
    ) {
        configChanges.withLock { _ in
            var next = config
            guard let index = next.pools.firstIndex(where: { $0.name == pool }), next.pools[index].discover == settings
            else { return }
            let before = next.pools[index].targets
            next.pools[index].targets = settings.targets(after: endpoints, current: before)
            guard next.pools[index].targets != before else { return }
            let ids = (before: Set(before.map(\.id)), after: Set(next.pools[index].targets.map(\.id)))
            do {
                _ = try apply(next, cause: "dns discovery")
                logger.notice(
                    "pool targets discovered",
                    metadata: [
                        "pool": "\(pool)", "dns": "\(settings.name)",
                        "added": "\(ids.after.subtracting(ids.before).sorted())",
                        "removed": "\(ids.before.subtracting(ids.after).sorted())",
                    ])
            } catch {
                logger.warning(
                    "discovered targets not applied", metadata: ["pool": "\(pool)", "error": "\(error)"])
            }
        }
    }
}
