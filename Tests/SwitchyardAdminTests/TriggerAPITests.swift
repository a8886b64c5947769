import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import SwitchyardAdmin

@Suite("Admin API: triggers")
struct TriggerAPITests {
    @Test("GET /triggers lists each trigger's state and the firings with their outcomes")
    func list() async throws {
        try await withAdmin { client in
            try await client.execute(uri: "/api/v1/triggers", method: .get) { response in
                #expect(response.status == .ok)
                let body = try #require(try json(response) as? [String: Any])
                let trigger = try #require((body["triggers"] as? [[String: Any]])?.first)
                #expect(trigger["state"] as? String == "fired" && trigger["cooldown_seconds"] as? Double == 300)
                let firing = try #require((body["firings"] as? [[String: Any]])?.first)
                #expect(firing["webhook"] as? String == "delivered (200) after 1 attempt")
                #expect(firing["actions"] as? [String] == ["drain http://127.0.0.1:8082: done"])
            }
        }
    }
}
