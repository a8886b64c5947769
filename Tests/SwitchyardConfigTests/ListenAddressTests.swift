import Testing

@testable import SwitchyardConfig

@Suite struct ListenAddressTests {
    @Test(arguments: [
        ("127.0.0.1:3128", "127.0.0.1", 3128), ("[::1]:3128", "::1", 3128), ("localhost:80", "localhost", 80),
        ("0.0.0.0:0", "0.0.0.0", 0),
    ])
    func parsesAndPrintsBack(text: String, host: String, port: Int) throws {
        let address = try #require(ListenAddress(text))
        #expect(address == ListenAddress(host: host, port: port))
        #expect(address.description == text)
    }

    @Test(arguments: [
        "127.0.0.1", ":3128", "::1:3128", "[::1]", "[nothost]:80", "host:http", "host:65536", "host:-1", "a b:80",
    ])
    func rejectsMalformedText(text: String) {
        #expect(ListenAddress(text) == nil)
    }

    @Test func portZeroAsksForAFreePort() throws {
        let config = try ConfigLoader.parse(yaml: minimalYAML.replacing("127.0.0.1:3128", with: "127.0.0.1:0"), file: nil)
        #expect(config.listeners[0].listen == ListenAddress(host: "127.0.0.1", port: 0))
    }

    @Test func malformedListenExplains() {
        let found = issues(in: minimalYAML.replacing("127.0.0.1:3128", with: "::1:3128"))
        #expect(found.map(\.path) == ["listeners[0].listen"])
        #expect(found.first?.message.contains("brackets") == true)
    }
}
