import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import SwitchyardAdmin

@Suite("Admin API: config history and rollback")
struct ConfigHistoryAPITests {
    static let apiKey = "api-key-0123456789abcdef"
    static let adminKey = "admin-key-0123456789abcdef"

    @Test("GET /config/history lists the versions, newest first")
    func history() async throws {
        try await withAdmin { client in
            try await client.execute(uri: "/api/v1/config/history", method: .get) { response in
                #expect(response.status == .ok)
                let body = try #require(try json(response) as? [String: Any])
                let versions = try #require(body["versions"] as? [[String: Any]])
                #expect(versions.map { $0["version"] as? Int } == [2, 1])
                #expect(versions.map { $0["current"] as? Bool } == [true, false])
                #expect(versions[1]["applied_at"] as? String == "2026-12-04T10:00:00Z")
                #expect(versions[1]["cause"] as? String == "startup")
                #expect(versions[1]["config"] as? String == "listeners: []\n")
            }
        }
    }

    @Test("POST /config/rollback: no body is the previous version; an unknown one is 404; a bad body 400 or 422")
    func rollback() async throws {
        try await withAdmin { client in
            try await client.execute(uri: "/api/v1/config/rollback", method: .post) { response in
                #expect(response.status == .ok)
                let body = try #require(try json(response) as? [String: Any])
                let version = try #require(body["version"] as? [String: Any])
                #expect(version["version"] as? Int == 3 && version["cause"] as? String == "rollback to version 1")
                #expect(body["persisted"] as? Bool == false)
            }
            try await client.execute(
                uri: "/api/v1/config/rollback", method: .post, body: ByteBuffer(string: #"{"version": 9}"#)
            ) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("version 9 is not in the config history"))
            }
            try await client.execute(
                uri: "/api/v1/config/rollback", method: .post, body: ByteBuffer(string: #"{"version": 0, "x": 1}"#)
            ) { response in
                #expect(response.status == .unprocessableContent)
                let errors = try #require((try json(response) as? [String: Any])?["errors"] as? [[String: Any]])
                #expect(errors.map { $0["path"] as? String } == ["x", "version"])
            }
            try await client.execute(uri: "/api/v1/config/rollback", method: .post, body: ByteBuffer(string: "{"))
            { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test("A rollback that changes keys needs an admin key")
    func rollbackOfKeys() async throws {
        let source = FakeAdminSource(keys: AdminKeys(apiKeys: [Self.apiKey], adminKeys: [Self.adminKey]))
        try await withAdmin(source) { client in
            try await client.execute(
                uri: "/api/v1/config/rollback", method: .post, headers: [.authorization: "Bearer \(Self.apiKey)"]
            ) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(
                uri: "/api/v1/config/rollback", method: .post, headers: [.authorization: "Bearer \(Self.adminKey)"]
            ) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
