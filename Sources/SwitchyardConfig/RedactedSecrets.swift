/// The placeholder a redacted config shows for each secret, and how a config sent back with placeholders gets the
/// real secrets again: `GET /api/v1/config`, edited and `PUT` back, must keep every password and key it did not
/// change rather than set them to the placeholder.
public enum RedactedSecrets {
    /// What `rendered(redactingSecrets: true)` writes in place of a secret.
    public static let placeholder = "<redacted>"

    /// `config` with each placeholder replaced by the secret it stands for in `current`: a key by its position in
    /// the same list, a proxy user's password by the user's name on the same listener, an upstream proxy's password by
    /// the same redacted URL in the same pool, a webhook's secret by its trigger's name.
    /// - Returns: the config, and an issue for each placeholder that stands for no current secret.
    static func restore(_ config: SwitchyardConfig, from current: SwitchyardConfig) -> (SwitchyardConfig, [ConfigIssue]) {
        var restored = config
        var issues: [ConfigIssue] = []
        func restoreKeys(_ keys: inout [String], from currentKeys: [String], name: String) {
            for index in keys.indices where keys[index] == placeholder {
                if currentKeys.indices.contains(index) {
                    keys[index] = currentKeys[index]
                } else {
                    issues.append(unmatched("admin.\(name)[\(index)]"))
                }
            }
        }
        restoreKeys(&restored.admin.apiKeys, from: current.admin.apiKeys, name: "api_keys")
        restoreKeys(&restored.admin.adminKeys, from: current.admin.adminKeys, name: "admin_keys")
        for listenerIndex in restored.listeners.indices {
            let listener = restored.listeners[listenerIndex]
            guard let users = listener.auth?.users else { continue }
            let currentUsers = current.listeners.first { $0.name == listener.name }?.auth?.users ?? []
            for (userIndex, user) in users.enumerated() where user.password == placeholder {
                if let known = currentUsers.first(where: { $0.username == user.username }) {
                    restored.listeners[listenerIndex].auth!.users[userIndex].password = known.password
                } else {
                    issues.append(unmatched("listeners[\(listenerIndex)].auth.users[\(userIndex)].password"))
                }
            }
        }
        for (poolIndex, pool) in restored.pools.enumerated() {
            let currentTargets = current.pools.first { $0.name == pool.name }?.targets ?? []
            for (targetIndex, target) in pool.targets.enumerated() {
                guard let upstream = target.upstream, let parsed = try? UpstreamProxyURL(parsing: upstream),
                    parsed.password == placeholder
                else { continue }
                if let known = currentTargets.first(where: { $0.upstream.map(UpstreamProxyURL.redacting) == upstream }) {
                    restored.pools[poolIndex].targets[targetIndex].upstream = known.upstream
                } else {
                    issues.append(unmatched("\(ConfigPath.key(pool.name, in: "pools")).targets[\(targetIndex)].upstream"))
                }
            }
        }
        for (index, trigger) in restored.triggers.enumerated() where trigger.webhook?.secret == placeholder {
            let known = current.triggers.first { $0.name == trigger.name }?.webhook?.secret
            if let known {
                restored.triggers[index].webhook!.secret = known
            } else {
                issues.append(unmatched("triggers[\(index)].webhook.secret"))
            }
        }
        return (restored, issues)
    }

    private static func unmatched(_ path: String) -> ConfigIssue {
        ConfigIssue(path: path, message: "\(placeholder) stands for no current secret here; send the real value")
    }
}
