import Testing

@testable import SwitchyardConfig

/// `switchyard import netdrift`: a seed-001 JSON config as the Switchyard config that does the same.
@Suite struct NetdriftImportTests {
    static let json = """
        {
          "server": { "name": "US Proxy Pool", "listen_address": "127.0.0.1:3130", "stats_endpoint": "/stats",
                      "region": "us-east" },
          "authentication": { "enabled": true, "users": [ { "username": "proxyuser", "password": "Proxy234" } ] },
          "upstream_proxies": [
            { "url": "http://127.0.0.1:3025", "enabled": true, "weight": 3 },
            { "url": "http://user:pass@127.0.0.1:8080", "enabled": true, "weight": 2, "country": "US" },
            { "url": "http://127.0.0.1:3026", "enabled": false, "weight": 1 }
          ],
          "log_level": "debug"
        }
        """

    @Test func listenerUsersAndWeightedUpstreamsCarryOver() throws {
        let imported = try NetdriftImport.convert(json: Self.json)
        let config = imported.config
        let listener = try #require(config.listeners.first)
        #expect(config.listeners.count == 1)
        #expect(listener.name == "us-proxy-pool" && listener.mode == .forward && listener.pool == "us-proxy-pool")
        #expect(listener.listen == ListenAddress(host: "127.0.0.1", port: 3130))
        #expect(listener.auth == AuthSettings(users: [ProxyUser(username: "proxyuser", password: "Proxy234")]))
        let pool = try #require(config.pool(named: "us-proxy-pool"))
        #expect(pool.policy == "weighted-round-robin")
        #expect(pool.onAllUnhealthy == .leastFailed)
        #expect(pool.resilience.outlierDetection?.consecutiveFailures == 3)
        #expect(pool.resilience.outlierDetection?.recover == .instant)
        #expect(
            pool.targets.map(\.upstream) == [
                "http://127.0.0.1:3025", "http://user:pass@127.0.0.1:8080", "http://127.0.0.1:3026",
            ])
        #expect(pool.targets.map(\.weight) == [3, 2, 1])
        #expect(pool.targets.map(\.enabled) == [true, true, false])
        #expect(try ConfigLoader.parse(yaml: config.rendered(redactingSecrets: false), file: nil) == config)
    }

    @Test func whatDoesNotCarryOverIsNamed() throws {
        let notes = try NetdriftImport.convert(json: Self.json).notes
        #expect(
            notes.filter { $0.contains("unknown field") } == [
                "log_level: unknown field, not carried over",
                "server.region: unknown field, not carried over",
                "upstream_proxies[1].country: unknown field, not carried over",
            ])
        #expect(notes.contains { $0.hasPrefix("server.stats_endpoint \"/stats\"") })
        #expect(notes.contains { $0.hasPrefix("destinations:") })
        let open = try NetdriftImport.convert(
            json: Self.json.replacing("\"enabled\": true, \"users\"", with: "\"enabled\": false, \"users\""))
        #expect(open.config.listeners[0].auth == nil)
        #expect(open.notes.contains("authentication.users: not carried over, as authentication.enabled is false"))
    }

    @Test func problemsNameTheFieldAndLine() {
        let broken = Self.json
            .replacing("\"weight\": 3", with: "\"weight\": \"heavy\"")
            .replacing("http://127.0.0.1:3026", with: "ftp://127.0.0.1:3026")
            .replacing("\"listen_address\": \"127.0.0.1:3130\", ", with: "")
        #expect(throws: ConfigErrors.self) { try NetdriftImport.convert(json: broken, file: "us.json") }
        do {
            _ = try NetdriftImport.convert(json: broken, file: "us.json")
        } catch {
            #expect(
                error.issues.map(\.description) == [
                    "us.json:2: server.listen_address: \"listen_address\" is required",
                    "us.json:6: upstream_proxies[0].weight: expected a whole number, got the quoted string \"heavy\"",
                    "us.json:8: upstream_proxies[2].url: unsupported scheme \"ftp\": expected http:// or socks5://",
                ])
        }
    }

    @Test func namesBecomeSlugs() throws {
        let unnamed = try NetdriftImport.convert(json: Self.json.replacing("\"name\": \"US Proxy Pool\", ", with: ""))
        #expect(unnamed.config.listeners[0].name == "netdrift")
    }
}
