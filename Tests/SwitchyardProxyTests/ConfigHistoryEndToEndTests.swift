import Foundation
import Testing

/// The config history over a running Switchyard: every admin change is a version, a rollback applies a kept one live
/// (and is a version itself), the history holds `admin.config_history` versions with secrets redacted, and the
/// real secrets come back with a rollback.
@Suite(.timeLimit(.minutes(2)))
struct ConfigHistoryEndToEndTests {
    static let apiKey = "api-key-0123456789abcdef"
    static let adminKey = "admin-key-0123456789abcdef"
    static let yaml = """
        log: { level: error, format: text }
        admin: { listen: "127.0.0.1:0", api_keys: ["\(apiKey)"], admin_keys: ["\(adminKey)"], config_history: 4 }
        listeners:
          - { name: egress, mode: forward, listen: "127.0.0.1:0", pool: out }
        pools:
          out:
            targets: [ { source_ip: 127.0.0.2 }, { source_ip: 127.0.0.3 } ]

        """

    /// The `version` objects of `GET /api/v1/config/history`, newest first.
    private func versions(_ admin: String, key: String = apiKey) async throws -> [[String: Any]] {
        let (status, body) = try await adminCall("GET", "\(admin)/api/v1/config/history", key: key)
        try #require(status == 200, "\(body)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        return try #require(object["versions"] as? [[String: Any]])
    }

    /// The pool's targets as `id=weight`, in order.
    private func targets(_ admin: String) async throws -> [String] {
        let (_, body) = try await adminCall("GET", "\(admin)/api/v1/pools/out/targets", key: Self.apiKey)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]])
        return list.map { "\($0["id"] as? String ?? "?")=\($0["weight"] as? Int ?? -1)" }
    }

    @Test func rollbackAppliesAKeptVersionLiveAndOnlyTheLastNAreKept() async throws {
        try await withAdminServer(yaml: Self.yaml) { _, admin, _, _ in
            let key = Self.apiKey
            #expect(try await adminCall("POST", "\(admin)/api/v1/pools/out/targets", key: key,
                body: #"{"source_ip": "127.0.0.4"}"#).0 == 201)
            #expect(try await adminCall("PATCH", "\(admin)/api/v1/pools/out/targets/127.0.0.2", key: key,
                body: #"{"weight": 5}"#).0 == 200)
            let kept = try await versions(admin)
            #expect(kept.map { $0["version"] as? Int } == [3, 2, 1])
            #expect(kept.map { $0["cause"] as? String } == [
                "pool out: target 127.0.0.2 weight 5", "pool out: target 127.0.0.4 added", "startup",
            ])
            for version in kept {
                let yaml = try #require(version["config"] as? String)
                #expect(!yaml.contains(Self.apiKey) && !yaml.contains(Self.adminKey) && yaml.contains("<redacted>"))
            }
            #expect(try await targets(admin) == ["127.0.0.2=5", "127.0.0.3=1", "127.0.0.4=1"])

            let previous = try await adminCall("POST", "\(admin)/api/v1/config/rollback", key: key)
            #expect(previous.0 == 200 && previous.1.contains(#""cause":"rollback to version 2""#), "\(previous)")
            #expect(try await targets(admin) == ["127.0.0.2=1", "127.0.0.3=1", "127.0.0.4=1"])
            let first = try await adminCall(
                "POST", "\(admin)/api/v1/config/rollback", key: key, body: #"{"version": 1}"#)
            #expect(first.0 == 200, "\(first)")
            #expect(try await targets(admin) == ["127.0.0.2=1", "127.0.0.3=1"])
            #expect(try await versions(admin).map { $0["version"] as? Int } == [5, 4, 3, 2])
            #expect(try await versions(admin).map { $0["current"] as? Bool } == [true, false, false, false])
            let dropped = try await adminCall(
                "POST", "\(admin)/api/v1/config/rollback", key: key, body: #"{"version": 1}"#)
            #expect(dropped.0 == 404, "\(dropped)")
        }
    }

    @Test func aRollbackRestoresTheRealKeysAndOnlyForAnAdminKey() async throws {
        try await withAdminServer(yaml: Self.yaml) { _, admin, _, _ in
            let newAPI = "new-api-key-0123456789"
            let newAdmin = "new-admin-key-0123456789"
            let replaced = try await adminCall(
                "PUT", "\(admin)/api/v1/security/keys", key: Self.adminKey,
                body: #"{"api_keys": ["\#(newAPI)"], "admin_keys": ["\#(newAdmin)"]}"#)
            #expect(replaced.0 == 200, "\(replaced)")
            #expect(try await adminCall("GET", "\(admin)/api/v1/security/keys", key: Self.adminKey).0 == 401)
            #expect(try await adminCall("POST", "\(admin)/api/v1/config/rollback", key: newAPI).0 == 403)
            #expect(try await adminCall("POST", "\(admin)/api/v1/config/rollback", key: newAdmin).0 == 200)
            // The history showed only placeholders, yet the rollback brought the real keys back.
            #expect(try await adminCall("GET", "\(admin)/api/v1/security/keys", key: Self.adminKey).0 == 200)
            #expect(try await adminCall("GET", "\(admin)/api/v1/security/keys", key: newAdmin).0 == 401)
        }
    }
}
