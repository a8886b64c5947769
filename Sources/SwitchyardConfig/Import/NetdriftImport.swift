import Yams

/// A Netdrift config (the JSON of seed 001: `server`, `authentication`, `upstream_proxies`) as the Switchyard config
/// that does the same job: one forward listener on Netdrift's `listen_address` with its users, leaving through one
/// `weighted-round-robin` pool of its upstream proxies (weights and `enabled` kept), with Netdrift's passive health
/// (3 consecutive failures take an upstream out, the first success brings it back, with every upstream out the
/// least-failed is used) and failover before the first byte (the pool's retries).
///
/// JSON is read as YAML (of which it is a subset), so problems carry their line. Fields Switchyard does not take,
/// and ones it does differently, are listed in `notes` rather than dropped unsaid.
public struct NetdriftImport: Sendable {
    /// The equivalent config, valid (`SwitchyardConfig.validate()` passes).
    public var config: SwitchyardConfig
    /// What was not carried over as it was, one line each, naming the Netdrift field.
    public var notes: [String]

    private static let rootKeys = ["server", "authentication", "upstream_proxies"]
    private static let serverKeys = ["name", "listen_address", "stats_endpoint"]
    private static let authenticationKeys = ["enabled", "users"]
    private static let userKeys = ["username", "password"]
    private static let upstreamKeys = ["url", "enabled", "weight"]

    /// Converts the Netdrift config in the file at `path`.
    public static func convert(file path: String) throws(ConfigErrors) -> NetdriftImport {
        try convert(json: try ConfigFile.read(path), file: path)
    }

    /// Converts the Netdrift config `json`; `file` names it in issues. Throws every problem found (a missing or
    /// mistyped field, an upstream URL Switchyard cannot use), each with its field path and line.
    public static func convert(json: String, file: String? = nil) throws(ConfigErrors) -> NetdriftImport {
        let root = try ConfigLoader.compose(yaml: json, file: file)
        let reader = NetdriftReader()
        let converted = reader.read(root)
        var issues = reader.nodes.issues.map { reader.nodes.sourceMap.locate($0, file: file) }
        if issues.isEmpty {
            issues = ConfigValidator.issues(in: converted).map {
                ConfigIssue(path: $0.path, file: file, message: "in the converted config: \($0.message)")
            }
        }
        guard issues.isEmpty else { throw ConfigErrors(issues: issues) }
        return NetdriftImport(config: converted, notes: reader.notes)
    }

    /// The walk over one document: the node reader that records problems and lines, and the notes.
    private final class NetdriftReader {
        let nodes = YAMLNodeReader()
        var notes: [String] = []

        func read(_ root: Node?) -> SwitchyardConfig {
            var config = SwitchyardConfig(listeners: [], pools: [])
            guard let root, let top = mapping(root, at: "", keys: NetdriftImport.rootKeys) else {
                if root == nil { nodes.report("the document is empty", at: "") }
                return config
            }
            var listener = ListenerSettings(name: "", listen: ListenAddress(host: "127.0.0.1", port: 3130))
            var name = "netdrift"
            if let server = child(top, "server", keys: NetdriftImport.serverKeys, required: true) {
                server.read("listen_address", into: &listener.listen, required: true)
                server.read("name", into: &name)
                var stats = ""
                server.read("stats_endpoint", into: &stats)
                if !stats.isEmpty {
                    notes.append(
                        "server.stats_endpoint \"\(stats)\": Switchyard serves /stats (and /metrics) on its admin "
                            + "listener, admin.listen (\(config.admin.listen)), not on the proxy port")
                }
            }
            listener.name = Self.slug(name)
            listener.pool = listener.name
            if let authentication = child(top, "authentication", keys: NetdriftImport.authenticationKeys) {
                var enabled = true
                authentication.read("enabled", into: &enabled)
                let users = authentication.list("users")?.compactMap(user) ?? []
                if enabled {
                    listener.auth = AuthSettings(users: users)
                } else if !users.isEmpty {
                    notes.append("authentication.users: not carried over, as authentication.enabled is false")
                }
            }
            let targets = top.list("upstream_proxies", required: true)?.compactMap(upstream) ?? []
            notes.append(
                "destinations: Switchyard lets clients CONNECT to port 443 only and to public addresses only by default; "
                    + "add destinations rules (README, \"Where a forward listener may connect\") if Netdrift's "
                    + "clients went elsewhere")
            config.listeners = [listener]
            config.pools = [
                PoolSettings(
                    name: listener.pool, policy: "weighted-round-robin", onAllUnhealthy: .leastFailed,
                    resilience: ResilienceSettings(
                        outlierDetection: OutlierDetectionSettings(
                            consecutiveFailures: 3, maxEjectionPercent: 100, recover: .instant)),
                    targets: targets)
            ]
            return config
        }

        private func user(path: String, node: Node) -> ProxyUser? {
            guard let fields = mapping(node, at: path, keys: NetdriftImport.userKeys) else { return nil }
            var user = ProxyUser(username: "", password: "")
            fields.read("username", into: &user.username, required: true)
            fields.read("password", into: &user.password, required: true)
            return user
        }

        private func upstream(path: String, node: Node) -> TargetSettings? {
            guard let fields = mapping(node, at: path, keys: NetdriftImport.upstreamKeys) else { return nil }
            var url = ""
            var target = TargetSettings()
            fields.read("url", into: &url, required: true)
            fields.read("weight", into: &target.weight)
            fields.read("enabled", into: &target.enabled)
            guard !url.isEmpty else { return nil }
            do {
                _ = try UpstreamProxyURL(parsing: url)
            } catch {
                nodes.report(error.message, at: ConfigPath.key("url", in: path))
            }
            target.upstream = url
            return target
        }

        private func child(_ parent: YAMLMapping, _ key: String, keys: [String], required: Bool = false)
            -> YAMLMapping?
        {
            guard parent.entries.contains(where: { $0.key == key }) else {
                if required { nodes.report("\"\(key)\" is required", at: ConfigPath.key(key, in: parent.path)) }
                return nil
            }
            guard let fields = parent.mapping(key, keys: nil) else { return nil }
            noteUnknown(fields, keys: keys)
            return fields
        }

        private func mapping(_ node: Node, at path: String, keys: [String]) -> YAMLMapping? {
            guard let fields = nodes.mapping(node, at: path, keys: nil) else { return nil }
            noteUnknown(fields, keys: keys)
            return fields
        }

        /// Notes every key of `fields` that is not among `keys`: Switchyard has nothing it maps to.
        private func noteUnknown(_ fields: YAMLMapping, keys: [String]) {
            for entry in fields.entries where !keys.contains(entry.key) {
                notes.append("\(entry.path): unknown field, not carried over")
            }
        }

        /// A listener or pool name from Netdrift's server name: lower case, runs of anything but letters and
        /// digits as one `-`; `netdrift` when nothing is left.
        static func slug(_ name: String) -> String {
            var slug = ""
            for character in name.lowercased() {
                if character.isASCII, character.isLetter || character.isNumber {
                    slug.append(character)
                } else if !slug.isEmpty, slug.last != "-" {
                    slug.append("-")
                }
            }
            while slug.last == "-" { slug.removeLast() }
            return slug.isEmpty ? "netdrift" : slug
        }
    }
}
