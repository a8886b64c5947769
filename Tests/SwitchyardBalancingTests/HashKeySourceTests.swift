import SwitchyardBalancing
import Testing

@Suite struct HashKeySourceTests {
    private func key(_ source: HashKeySource, path: String? = "/cart/42?x=1", headers: [String: String] = [:])
        -> String?
    {
        source.key(clientAddress: "192.0.2.1", destination: "shop.example:8080", path: path) { headers[$0] }
    }

    @Test func eachSourceReadsItsPartOfTheRequest() {
        #expect(key(.clientAddress) == "192.0.2.1")
        #expect(key(.destinationHost) == "shop.example:8080")
        #expect(key(.path) == "/cart/42")
        #expect(key(.path, path: nil) == nil)
        #expect(key(.header("x-user"), headers: ["x-user": "alice"]) == "alice")
        #expect(key(.header("x-user")) == nil)
    }

    @Test func cookieSourceFindsTheNamedCookie() {
        let headers = ["cookie": "theme=dark; session=abc123;lang=en"]
        #expect(key(.cookie("session"), headers: headers) == "abc123")
        #expect(key(.cookie("lang"), headers: headers) == "en")
        #expect(key(.cookie("sess"), headers: headers) == nil)
        #expect(key(.cookie("session")) == nil)
    }
}
