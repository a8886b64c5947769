import SwitchyardBalancing
import Testing

@Suite struct DestinationKeyTests {
    @Test func defaultPortsAndCaseFoldToOneHost() {
        let spellings = [
            DestinationKey.make(host: "A.com", port: 443),
            DestinationKey.make(host: "a.com", port: 443),
            DestinationKey.make(host: "a.com", port: 80),
            DestinationKey.make(host: "A.COM.", port: 80),
        ]
        #expect(Set(spellings) == ["a.com"])
    }

    @Test func otherPortsStayDistinct() {
        #expect(DestinationKey.make(host: "A.com", port: 8080) == "a.com:8080")
        #expect(DestinationKey.make(host: "a.com.", port: 8080) == "a.com:8080")
        #expect(DestinationKey.make(host: "a.com", port: 8443) != DestinationKey.make(host: "a.com", port: 443))
        #expect(DestinationKey.make(host: "10.0.0.1", port: 8080) == "10.0.0.1:8080")
        #expect(DestinationKey.make(host: "10.0.0.1", port: 80) == "10.0.0.1")
    }

    @Test func ipv6BracketsAreHandledConsistently() {
        #expect(DestinationKey.make(host: "[::1]", port: 443) == "::1")
        #expect(DestinationKey.make(host: "::1", port: 80) == "::1")
        #expect(DestinationKey.make(host: "[2001:DB8::1]", port: 8080) == "[2001:db8::1]:8080")
        #expect(DestinationKey.make(host: "2001:db8::1", port: 8080) == "[2001:db8::1]:8080")
    }
}
