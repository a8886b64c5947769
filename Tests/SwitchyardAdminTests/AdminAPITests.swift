import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

@testable import SwitchyardAdmin

/// Runs `test` against a fresh server over `source` (no keys unless the source has some), through the router.
func withAdmin(
    _ source: FakeAdminSource = FakeAdminSource(),
    configuration: AdminServer.Configuration = .init(port: 0),
    _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    try await makeServer(source, configuration: configuration).makeApplication().test(.router, test)
}

func json(_ response: TestResponse) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))
}

@Suite("Admin API")
struct AdminAPITests {
    @Test("PUT /config with an invalid body lists every problem and applies nothing")
    func invalidConfig() async throws {
        let source = FakeAdminSource()
        try await withAdmin(source) { client in
            try await client.execute(
                uri: "/api/v1/config", method: .put, body: ByteBuffer(string: "invalid: true\n")
            ) { response in
                #expect(response.status == .unprocessableContent)
                #expect(response.headers[.contentType] == "application/json")
                let body = try #require(try json(response) as? [String: Any])
                let errors = try #require(body["errors"] as? [[String: Any]])
                #expect(errors.count == 2)
                #expect(errors.map { $0["path"] as? String } == ["pools[0].targets[1].weight", "listeners[0].listen"])
                #expect(errors.map { $0["line"] as? Int } == [12, 3])
                #expect(errors[0]["message"] as? String == "-1 is not a weight (0 or more)")
            }
        }
        #expect(source.configYAML() == "listeners: []\n")
    }

    @Test("PUT /config applies and says whether it persisted; GET /config returns YAML")
    func applyConfig() async throws {
        let source = FakeAdminSource()
        source.state.withLock { $0.persist = true }
        try await withAdmin(source) { client in
            try await client.execute(uri: "/api/v1/config", method: .put, body: ByteBuffer(string: "pools: []\n")) {
                #expect($0.status == .ok)
                #expect(String(buffer: $0.body) == #"{"applied":true,"persisted":true}"#)
            }
            try await client.execute(uri: "/api/v1/config", method: .get) {
                #expect($0.headers[.contentType] == "application/yaml; charset=utf-8")
                #expect(String(buffer: $0.body) == "pools: []\n")
            }
        }
    }

    @Test("PATCH passes the parsed patch to the source and answers the changed target")
    func patch() async throws {
        let source = FakeAdminSource()
        try await withAdmin(source) { client in
            try await client.execute(
                uri: "/api/v1/pools/egress/targets/127.0.0.2", method: .patch,
                body: ByteBuffer(string: #"{"weight": 3, "draining": true}"#)
            ) { response in
                #expect(response.status == .ok)
                let target = try #require(try json(response) as? [String: Any])
                #expect(target["id"] as? String == "127.0.0.2")
                #expect(target["weight"] as? Int == 3)
                #expect(target["draining"] as? Bool == true)
                #expect(target["enabled"] as? Bool == true)
                #expect(target["max_connections"] as? Int == 100)
                #expect(target["health_cause"] as? String == "2 consecutive passed checks")
            }
        }
        let patches = source.state.withLock { $0.patches }
        #expect(patches.count == 1)
        #expect(patches.first?.pool == "egress")
        #expect(patches.first?.id == "127.0.0.2")
        #expect(patches.first?.patch == TargetPatch(weight: 3, enabled: nil, draining: true))
    }

    @Test(
        "PATCH refuses bad bodies before the source sees them",
        arguments: [
            (#"{"drain": true, "weight": -1, "enabled": "yes"}"#, 422, ["drain", "weight", "enabled"]),
            (#"{}"#, 422, [""]),
            (#"{"enabled": 1}"#, 422, ["enabled"]),
            (#"{"weight": 2.5}"#, 422, ["weight"]),
            (#"[true]"#, 422, [""]),
            (#"{"draining": tru"#, 400, []),
            ("", 400, []),
        ]
    )
    func badPatch(body: String, status: Int, paths: [String]) async throws {
        let source = FakeAdminSource()
        try await withAdmin(source) { client in
            try await client.execute(
                uri: "/api/v1/pools/web/targets/http%3A%2F%2F127.0.0.1%3A8081", method: .patch,
                body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status.code == status)
                let answer = try #require(try json(response) as? [String: Any])
                if status == 422 {
                    let errors = try #require(answer["errors"] as? [[String: Any]])
                    #expect(errors.compactMap { $0["path"] as? String }.sorted() == paths.sorted())
                } else {
                    #expect(answer["error"] as? String == "the body is not valid JSON")
                }
            }
        }
        #expect(source.state.withLock { $0.patches.isEmpty })
    }

    @Test("GET /pools/{pool}/sticky shows the pins; a pool without sticky sessions, or no pool, is 404")
    func stickySessions() async throws {
        try await withAdmin { client in
            try await client.execute(uri: "/api/v1/pools/egress/sticky", method: .get) { response in
                #expect(response.status == .ok)
                let body = try #require(try json(response) as? [String: Any])
                #expect(body["pool"] as? String == "egress")
                #expect(body["key"] as? String == "username_session")
                #expect(body["ttl_seconds"] as? Double == 600)
                #expect(body["max_entries"] as? Int == 100)
                #expect(body["on_target_down"] as? String == "repick")
                #expect(body["count"] as? Int == 2)
                let entries = try #require(body["entries"] as? [[String: Any]])
                #expect(entries.map { $0["key"] as? String } == ["abc123", "def456"])
                #expect(entries.map { $0["target"] as? String } == ["127.0.0.2", "2001:db8::10"])
                #expect(entries.first?["idle_seconds"] as? Double == 1.5)
            }
            try await client.execute(uri: "/api/v1/pools/web/sticky", method: .get) {
                #expect($0.status == .notFound)
                #expect(String(buffer: $0.body) == #"{"error":"pool web has no sticky sessions"}"#)
            }
            try await client.execute(uri: "/api/v1/pools/nope/sticky", method: .get) {
                #expect($0.status == .notFound)
            }
        }
    }

    @Test("target ids travel percent-encoded as one path segment")
    func encodedIds() async throws {
        let source = FakeAdminSource()
        try await withAdmin(source) { client in
            try await client.execute(uri: "/api/v1/pools/web/targets/http%3A%2F%2F127.0.0.1%3A8082", method: .get) {
                #expect($0.status == .ok)
                #expect(String(buffer: $0.body).contains(#""id":"http://127.0.0.1:8082""#))
            }
            // Lower-case escapes, and ':' left as it is, decode the same.
            try await client.execute(uri: "/api/v1/pools/web/targets/http:%2f%2f127.0.0.1:8082", method: .get) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/v1/pools/egress/targets/2001%3Adb8%3A%3A10", method: .delete) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/pools/egress/targets/127.0.0.2", method: .delete) {
                #expect($0.status == .conflict)
                #expect(String(buffer: $0.body).contains("only target of pool egress"))
            }
            try await client.execute(uri: "/api/v1/pools/web/targets/http%3A%2F%2F127.0.0.1%3A9999", method: .get) {
                #expect($0.status == .notFound)
                #expect(String(buffer: $0.body) == #"{"error":"pool web has no target http://127.0.0.1:9999"}"#)
            }
            try await client.execute(uri: "/api/v1/pools/web/targets/http%3A%2F%2", method: .get) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/pools/w%65b", method: .get) {
                #expect($0.status == .ok)
            }
        }
        #expect(source.state.withLock { $0.removed.map(\.id) } == ["2001:db8::10"])
    }

    @Test("POST adds a target: 201 with Location; 409 when it exists; 404 for an unknown pool; 422 for bad bodies")
    func addTarget() async throws {
        let source = FakeAdminSource()
        try await withAdmin(source) { client in
            let body = ByteBuffer(string: #"{"url": "http://127.0.0.1:8083", "weight": 2, "max_connections": 10}"#)
            try await client.execute(uri: "/api/v1/pools/web/targets", method: .post, body: body) { response in
                #expect(response.status == .created)
                #expect(response.headers[.location] == "/api/v1/pools/web/targets/http%3A%2F%2F127.0.0.1%3A8083")
                let target = try #require(try json(response) as? [String: Any])
                #expect(target["id"] as? String == "http://127.0.0.1:8083")
                #expect(target["weight"] as? Int == 2)
            }
            // The Location answers.
            try await client.execute(uri: "/api/v1/pools/web/targets/http%3A%2F%2F127.0.0.1%3A8083", method: .get) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/api/v1/pools/web/targets", method: .post, body: body) { response in
                #expect(response.status == .conflict)
                #expect(String(buffer: response.body).contains("already has target http://127.0.0.1:8083"))
            }
            try await client.execute(uri: "/api/v1/pools/nope/targets", method: .post, body: body) {
                #expect($0.status == .notFound)
                #expect(String(buffer: $0.body) == #"{"error":"no pool nope"}"#)
            }
            let both = ByteBuffer(string: #"{"url": "http://a", "source_ip": "127.0.0.9", "colour": "red"}"#)
            try await client.execute(uri: "/api/v1/pools/web/targets", method: .post, body: both) { response in
                #expect(response.status == .unprocessableContent)
                let errors = try #require((try json(response) as? [String: Any])?["errors"] as? [[String: Any]])
                #expect(errors.compactMap { $0["path"] as? String }.sorted() == ["", "colour"])
            }
        }
        #expect(source.pools()[0].targets.map(\.id).last == "http://127.0.0.1:8083")
    }

    @Test("pools and targets listings; unknown pools are 404")
    func listings() async throws {
        try await withAdmin { client in
            try await client.execute(uri: "/api/v1/pools", method: .get) { response in
                #expect(response.status == .ok)
                let pools = try #require(try json(response) as? [[String: Any]])
                #expect(pools.map { $0["name"] as? String } == ["web", "egress"])
                #expect(pools.map { $0["policy"] as? String } == ["round-robin", "least-connections"])
            }
            try await client.execute(uri: "/api/v1/pools/egress/targets", method: .get) { response in
                let targets = try #require(try json(response) as? [[String: Any]])
                #expect(targets.map { $0["id"] as? String } == ["127.0.0.2", "2001:db8::10"])
            }
            for uri in ["/api/v1/pools/nope", "/api/v1/pools/nope/targets", "/api/v1/pools/nope/targets/x"] {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .notFound) }
            }
            try await client.execute(uri: "/api/v1/pools/nope/targets/x", method: .delete) {
                #expect($0.status == .notFound)
            }
            try await client.execute(
                uri: "/api/v1/pools/web/targets/x", method: .patch,
                body: ByteBuffer(string: #"{"enabled":true}"#)
            ) {
                #expect($0.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/nothing-here", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test("probes: health, readiness both ways, metrics, stats")
    func probes() async throws {
        let source = FakeAdminSource()
        try await withAdmin(source) { client in
            try await client.execute(uri: "/health", method: .get) {
                #expect($0.status == .ok)
                #expect(String(buffer: $0.body) == "ok\n")
            }
            try await client.execute(uri: "/ready", method: .get) {
                #expect($0.status == .ok)
                #expect(String(buffer: $0.body) == #"{"ready":true,"reasons":[]}"#)
            }
            source.state.withLock {
                $0.ready = false
                $0.reasons = ["pool egress has no selectable target"]
            }
            try await client.execute(uri: "/ready", method: .get) {
                #expect($0.status == .serviceUnavailable)
                #expect($0.headers[.contentType] == "application/json")
                #expect(
                    String(buffer: $0.body) == #"{"ready":false,"reasons":["pool egress has no selectable target"]}"#)
            }
            try await client.execute(uri: "/metrics", method: .get) {
                #expect($0.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                #expect(String(buffer: $0.body).contains("switchyard_requests_total 3"))
            }
            try await client.execute(uri: "/stats", method: .get) {
                #expect($0.headers[.contentType] == "application/json")
                #expect(String(buffer: $0.body) == #"{"in_flight":0}"#)
            }
        }
    }

    @Test("log level: set, and unknown names refused")
    func logLevel() async throws {
        let source = FakeAdminSource()
        try await withAdmin(source) { client in
            try await client.execute(
                uri: "/api/v1/log-level", method: .put, body: ByteBuffer(string: #"{"level":"debug"}"#)
            ) {
                #expect($0.status == .ok)
                #expect(String(buffer: $0.body) == #"{"level":"debug"}"#)
            }
            try await client.execute(
                uri: "/api/v1/log-level", method: .put, body: ByteBuffer(string: #"{"level":"loud"}"#)
            ) {
                #expect($0.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/v1/log-level", method: .put, body: ByteBuffer(string: #"{}"#)) {
                #expect($0.status == .unprocessableContent)
            }
        }
        #expect(source.state.withLock { $0.logLevel } == "debug")
    }

    @Test("keys: counts and SHA-256 fingerprints, never the keys; at least one admin key")
    func keys() async throws {
        let source = FakeAdminSource(keys: AdminKeys(apiKeys: ["abc", "r"], adminKeys: ["admin-key-1"]))
        let admin: HTTPFields = [.authorization: "Bearer admin-key-1"]
        try await withAdmin(source) { client in
            try await client.execute(uri: "/api/v1/security/keys", method: .get, headers: admin) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                // SHA-256("abc") = ba7816bf..., SHA-256("r") = 454349e4...
                #expect(body.contains(#""api_keys":{"count":2,"fingerprints":["ba7816bf","454349e4"]}"#))
                #expect(body.contains(#""admin_keys":{"count":1,"fingerprints":["#))
                #expect(!body.contains("admin-key-1"))
            }
            let locksOut = ByteBuffer(string: #"{"api_keys": ["x", ""], "admin_keys": []}"#)
            try await client.execute(uri: "/api/v1/security/keys", method: .put, headers: admin, body: locksOut) {
                #expect($0.status == .unprocessableContent)
                let errors = try #require((try json($0) as? [String: Any])?["errors"] as? [[String: Any]])
                #expect(errors.compactMap { $0["path"] as? String }.sorted() == ["admin_keys", "api_keys[1]"])
            }
            let replace = ByteBuffer(string: #"{"api_keys": [], "admin_keys": ["abc"]}"#)
            try await client.execute(uri: "/api/v1/security/keys", method: .put, headers: admin, body: replace) {
                #expect($0.status == .ok)
                #expect(
                    String(buffer: $0.body)
                        == #"{"admin_keys":{"count":1,"fingerprints":["ba7816bf"]},"api_keys":{"count":0,"fingerprints":[]}}"#
                )
            }
            // The old admin key is gone at once.
            try await client.execute(uri: "/api/v1/security/keys", method: .get, headers: admin) {
                #expect($0.status == .unauthorized)
            }
        }
        #expect(source.apiKeys() == AdminKeys(apiKeys: [], adminKeys: ["abc"]))
    }

    @Test("bodies beyond the limit get 413")
    func bodyLimit() async throws {
        try await withAdmin(configuration: .init(port: 0, maxBodyBytes: 16)) { client in
            try await client.execute(
                uri: "/api/v1/config", method: .put, body: ByteBuffer(string: String(repeating: "x", count: 17))
            ) { #expect($0.status == .contentTooLarge) }
        }
    }
}
