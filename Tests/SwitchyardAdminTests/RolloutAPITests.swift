import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import SwitchyardAdmin

@Suite("Admin API: rollouts")
struct RolloutAPITests {
    @Test("GET lists and shows rollouts with every step; unknown ids are 404, malformed ones 400")
    func listAndShow() async throws {
        try await withAdmin { client in
            try await client.execute(uri: "/api/v1/rollouts", method: .get) { response in
                #expect(response.status == .ok)
                let list = try #require(try json(response) as? [[String: Any]])
                #expect(list.map { $0["id"] as? Int } == [1])
            }
            try await client.execute(uri: "/api/v1/rollouts/1", method: .get) { response in
                let body = try #require(try json(response) as? [String: Any])
                #expect(body["status"] as? String == "running" && body["interval_seconds"] as? Double == 30)
                let steps = try #require(body["steps"] as? [[String: Any]])
                #expect(steps.map { $0["index"] as? Int } == [1, 2])
                #expect(steps.map { $0["state"] as? String } == ["passed", "running"])
                #expect(steps[0]["reason"] as? String == "0 of 12 requests failed (0.0%)")
                #expect(steps[1]["ended_after_seconds"] == nil)
            }
            try await client.execute(uri: "/api/v1/rollouts/7", method: .get) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/rollouts/x", method: .get) { #expect($0.status == .badRequest) }
        }
    }

    @Test("POST starts a rollout (201 with Location); a busy pool is 409, an unknown one 404, a bad body 422")
    func start() async throws {
        try await withAdmin { client in
            let body = #"{"pool": "egress", "targets": [{"source_ip": "127.0.0.9"}], "weight_step": 25}"#
            try await client.execute(uri: "/api/v1/rollouts", method: .post, body: ByteBuffer(string: body)) {
                #expect($0.status == .created)
                #expect($0.headers[.location] == "/api/v1/rollouts/2")
            }
            let busy = #"{"pool": "web", "targets": [{"url": "http://127.0.0.1:8083"}]}"#
            try await client.execute(uri: "/api/v1/rollouts", method: .post, body: ByteBuffer(string: busy)) {
                #expect($0.status == .conflict)
            }
            let unknown = #"{"pool": "nope", "targets": [{"url": "http://127.0.0.1:8083"}]}"#
            try await client.execute(uri: "/api/v1/rollouts", method: .post, body: ByteBuffer(string: unknown)) {
                #expect($0.status == .notFound)
            }
            let bad = """
                {"pool": "web", "targets": [{"url": ""}, 3], "batch_size": 1, "weight_step": 101,
                 "interval_seconds": 0, "max_error_rate": 2, "extra": true}
                """
            try await client.execute(uri: "/api/v1/rollouts", method: .post, body: ByteBuffer(string: bad)) { response in
                #expect(response.status == .unprocessableContent)
                let errors = try #require((try json(response) as? [String: Any])?["errors"] as? [[String: Any]])
                #expect(
                    errors.map { $0["path"] as? String } == [
                        "extra", "targets[0].url", "targets[1]", "weight_step", "", "interval_seconds",
                        "max_error_rate",
                    ])
            }
        }
    }

    @Test("pause, resume and rollback answer the rollout after the command, or 409 when its status refuses it")
    func commands() async throws {
        try await withAdmin { client in
            try await client.execute(uri: "/api/v1/rollouts/1/pause", method: .post) { response in
                #expect(response.status == .ok)
                let body = try json(response) as? [String: Any]
                #expect(body?["status"] as? String == "paused")
            }
            try await client.execute(uri: "/api/v1/rollouts/1/resume", method: .post) { #expect($0.status == .conflict) }
            try await client.execute(uri: "/api/v1/rollouts/1/rollback", method: .post) { response in
                let body = try json(response) as? [String: Any]
                #expect(body?["status"] as? String == "rolled_back")
            }
            try await client.execute(uri: "/api/v1/rollouts/5/pause", method: .post) { #expect($0.status == .notFound) }
        }
    }
}
