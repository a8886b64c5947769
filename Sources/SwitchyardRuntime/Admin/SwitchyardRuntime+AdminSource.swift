import Logging
import SwitchyardAdmin
import SwitchyardBalancing
import SwitchyardConfig

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The running Switchyard as the admin server sees it. Changes that the live state can take (enable, disable,
/// drain) are made in place; the rest (targets added or removed, weights, keys, a whole config) become a new config
/// that is validated like a file and applied with `reload(_:)`, so a bad change leaves the old config running.
extension SwitchyardRuntime: AdminSource {
    public func configYAML() -> String {
        config.rendered(redactingSecrets: true)
    }

    public func applyConfig(yaml: String, mayChangeKeys: Bool) async -> ConfigChange {
        configChanges.withLock { _ in replaceConfig(yaml: yaml, mayChangeKeys: mayChangeKeys) }
    }

    /// `applyConfig` for a caller that holds `configChanges`.
    private func replaceConfig(yaml: String, mayChangeKeys: Bool) -> ConfigChange {
        let current = config
        let parsed: SwitchyardConfig
        do {
            parsed = try ConfigLoader.parse(yaml: yaml, replacing: current)
        } catch {
            metrics.configReloaded(succeeded: false)
            return .invalid(error.issues.map { ConfigProblem(path: $0.path, line: $0.line, message: $0.message) })
        }
        if !mayChangeKeys, parsed.admin.apiKeys != current.admin.apiKeys || parsed.admin.adminKeys != current.admin.adminKeys {
            metrics.configReloaded(succeeded: false)
            return .keysNeedAdminKey
        }
        do {
            try install(parsed)
        } catch {
            return .invalid([ConfigProblem(path: "", line: nil, message: "\(error)")])
        }
        return .applied(persisted: persist(parsed))
    }

    public func pools() -> [PoolInfo] {
        let current = (config, livePools)
        return current.0.pools.compactMap { settings in
            current.1[settings.name].map { pool in
                PoolInfo(
                    name: settings.name, policy: settings.policy,
                    targets: pool.balancer.targets.map { condition(of: $0, inPool: settings.name) })
            }
        }
    }

    public func stickySessions(ofPool pool: String, limit: Int) throws(AdminError) -> StickyInfo? {
        let (settings, live) = (config.pools.first { $0.name == pool }, livePools[pool])
        guard let settings, let live else { throw .poolNotFound(pool) }
        guard let sticky = live.balancer.sticky, let options = settings.sticky else { return nil }
        return StickyInfo(
            key: options.key.description, ttlSeconds: options.ttl / .seconds(1), maxEntries: options.maxEntries,
            onTargetDown: options.onTargetDown.rawValue, count: sticky.count,
            pins: sticky.entries(limit: limit).map {
                StickyInfo.Pin(key: $0.key, target: $0.target, idleSeconds: $0.idle / .seconds(1))
            })
    }

    public func addTarget(_ target: TargetSpec, toPool pool: String) async throws(AdminError) -> TargetInfo {
        let added = TargetSettings(
            sourceIP: target.sourceIP, url: target.url, weight: target.weight ?? 1,
            maxConnections: target.maxConnections)
        try change(pool: pool) { settings throws(AdminError) in
            guard !settings.targets.contains(where: { $0.id == added.id }) else { throw .targetExists(added.id) }
            settings.targets.append(added)
        }
        return try info(of: added.id, inPool: pool)
    }

    public func updateTarget(_ id: String, inPool pool: String, with patch: TargetPatch) async throws(AdminError)
        -> TargetInfo
    {
        guard let live = self.livePools[pool] else { throw .poolNotFound(pool) }
        guard let target = live.balancer.targets.first(where: { $0.id == id }) else { throw .targetNotFound(id) }
        if let weight = patch.weight, weight != target.weight {
            try change(pool: pool) { settings throws(AdminError) in
                settings.targets[settings.targets.firstIndex { $0.id == id }!].weight = weight
            }
        }
        // The state object carries over reloads, so flags set on it now hold in the new generation too.
        if let enabled = patch.enabled { target.state.isEnabled = enabled }
        if let draining = patch.draining { target.state.isDraining = draining }
        return try info(of: id, inPool: pool)
    }

    public func removeTarget(_ id: String, fromPool pool: String) async throws(AdminError) {
        try change(pool: pool) { settings throws(AdminError) in
            guard let index = settings.targets.firstIndex(where: { $0.id == id }) else { throw .targetNotFound(id) }
            guard settings.targets.count > 1 else { throw .lastTarget(id) }
            settings.targets.remove(at: index)
        }
    }

    public func setLogLevel(_ level: String) -> Bool {
        guard let parsed = Logger.Level(rawValue: level) else { return false }
        LineLogHandler.setProcessLevel(parsed)
        return true
    }

    public func apiKeys() -> AdminKeys {
        let admin = config.admin
        return AdminKeys(apiKeys: admin.apiKeys, adminKeys: admin.adminKeys)
    }

    public func setAPIKeys(_ keys: AdminKeys) async throws(AdminError) {
        try edit { config throws(AdminError) in
            config.admin.apiKeys = keys.apiKeys
            config.admin.adminKeys = keys.adminKeys
        }
    }

    private func info(of id: String, inPool pool: String) throws(AdminError) -> TargetInfo {
        guard let live = self.livePools[pool] else { throw .poolNotFound(pool) }
        guard let target = live.balancer.targets.first(where: { $0.id == id }) else { throw .targetNotFound(id) }
        return condition(of: target, inPool: pool)
    }

    /// Applies `change` to the settings of `pool` as a new config.
    private func change(pool: String, _ change: (inout PoolSettings) throws(AdminError) -> Void) throws(AdminError) {
        try edit { config throws(AdminError) in
            guard let index = config.pools.firstIndex(where: { $0.name == pool }) else { throw .poolNotFound(pool) }
            try change(&config.pools[index])
        }
    }

    /// Applies `change` to the config current at that moment, with no other change in between, as a new config.
    private func edit(_ change: (inout SwitchyardConfig) throws(AdminError) -> Void) throws(AdminError) {
        try configChanges.withLock { _ throws(AdminError) in
            var next = config
            try change(&next)
            try apply(next)
        }
    }

    /// Validates `next` as the file it renders to would be, applies it, and writes it back when configured to.
    /// The caller holds `configChanges`.
    func apply(_ next: SwitchyardConfig) throws(AdminError) {
        let validated: SwitchyardConfig
        do {
            validated = try ConfigLoader.parse(yaml: next.rendered(redactingSecrets: false), file: nil)
        } catch {
            metrics.configReloaded(succeeded: false)
            throw .invalid(error.issues.map { ConfigProblem(path: $0.path, line: nil, message: $0.message) })
        }
        do {
            try install(validated)
        } catch {
            throw .invalid([ConfigProblem(path: "", line: nil, message: "\(error)")])
        }
        _ = persist(validated)
    }

    /// Writes `config` to the config file when `admin.persist` is on and the runtime was started from a file.
    /// - Returns: whether it was written.
    private func persist(_ config: SwitchyardConfig) -> Bool {
        guard config.admin.persist, let path = configFile else { return false }
        let text = config.rendered(redactingSecrets: false)
        let temporary = path + ".switchyard-new"
        guard let file = fopen(temporary, "w") else {
            logger.error("cannot write the config file", metadata: ["path": "\(temporary)"])
            return false
        }
        let written = text.utf8CString.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count - 1, file) }
        fclose(file)
        guard written == text.utf8.count, rename(temporary, path) == 0 else {
            logger.error("cannot write the config file", metadata: ["path": "\(path)"])
            return false
        }
        return true
    }
}
