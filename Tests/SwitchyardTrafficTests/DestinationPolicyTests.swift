#if canImport(Glibc)
    import Glibc
#endif
@testable import SwitchyardTraffic
import Testing

struct IPNetworkTests {
    @Test func parsesAddressesOfBothFamilies() {
        #expect(IPAddress("127.0.0.1")?.family == .v4)
        #expect(IPAddress("::1")?.family == .v6)
        #expect(IPAddress("2001:db8::1")?.description == "2001:db8::1")
        #expect(IPAddress("10.1.2.3")?.description == "10.1.2.3")
        for text in ["", "1.2.3", "256.1.1.1", "localhost", "[::1]", "::1%lo", "1.2.3.4/8"] {
            #expect(IPAddress(text) == nil, "\(text)")
        }
    }

    @Test func readsIPv4TextExactlyAsInetPtonDoes() {
        var spellings = [
            "0.0.0.0", "255.255.255.255", "127.0.0.1", "1.2.3.04", "01.2.3.4", "1.2.3.4.", ".1.2.3.4", "1..2.3",
            "1.2.3.4.5", "1.2.3.256", "1.2.3.1000", "1.2.3.-1", "1.2.3.4 ", " 1.2.3.4", "1.2.3", "1", "", "0.0.0.00",
            "9.9.9.9x", "1.2.3.4:80", "localhost", "١.٢.٣.٤", "1.2.3.４",
        ]
        for _ in 0..<2000 {
            spellings.append(
                (0..<Int.random(in: 1...5)).map { _ in
                    String((0..<Int.random(in: 0...4)).map { _ in "0123456789.".randomElement()! })
                }.joined(separator: "."))
        }
        for text in spellings {
            var address = in_addr()
            let expected = inet_pton(AF_INET, text, &address) == 1 ? UInt32(bigEndian: address.s_addr) : nil
            #expect(IPAddress.parseIPv4(text.utf8) == expected, "\(text)")
        }
    }

    @Test func anIPv4MappedAddressIsTheIPv4Address() {
        #expect(IPAddress("::ffff:127.0.0.1") == IPAddress("127.0.0.1"))
        #expect(IPNetwork("127.0.0.0/8")!.contains(IPAddress("::ffff:127.0.0.9")!))
    }

    @Test func matchesIPv4Blocks() {
        let block = IPNetwork("172.16.0.0/12")!
        #expect(block.contains(IPAddress("172.16.0.1")!))
        #expect(block.contains(IPAddress("172.31.255.255")!))
        #expect(!block.contains(IPAddress("172.32.0.0")!))
        #expect(!block.contains(IPAddress("172.15.255.255")!))
        #expect(IPNetwork("0.0.0.0/0")!.contains(IPAddress("8.8.8.8")!))
        #expect(IPNetwork("10.1.2.3/8")!.contains(IPAddress("10.200.0.1")!), "bits past the prefix are ignored")
        #expect(IPNetwork("192.0.2.7")!.contains(IPAddress("192.0.2.7")!))
        #expect(!IPNetwork("192.0.2.7")!.contains(IPAddress("192.0.2.8")!))
    }

    @Test func matchesIPv6BlocksAcrossTheHalves() {
        #expect(IPNetwork("fe80::/10")!.contains(IPAddress("febf::1")!))
        #expect(!IPNetwork("fe80::/10")!.contains(IPAddress("fec0::1")!))
        let long = IPNetwork("2001:db8:0:0:8000::/65")!
        #expect(long.contains(IPAddress("2001:db8::8000:0:0:1")!))
        #expect(!long.contains(IPAddress("2001:db8::7fff:0:0:1")!))
        #expect(IPNetwork("fd00:ec2::254")!.contains(IPAddress("fd00:ec2:0::254")!))
        #expect(!IPNetwork("fd00:ec2::254")!.contains(IPAddress("fd00:ec2::255")!))
        #expect(IPNetwork("::/0")!.contains(IPAddress("2001:db8::1")!))
    }

    @Test func neverMatchesAcrossFamilies() {
        #expect(!IPNetwork("::/0")!.contains(IPAddress("1.2.3.4")!))
        #expect(!IPNetwork("0.0.0.0/0")!.contains(IPAddress("::1")!))
    }

    @Test func rejectsBadBlocks() {
        for text in ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0/8", "x/8", "/8"] {
            #expect(IPNetwork(text) == nil, "\(text)")
        }
    }
}

struct DestinationPolicyTests {
    typealias Rule = DestinationPolicy.Rule

    func request(_ host: String, _ port: Int, _ method: DestinationPolicy.Method = .plain, user: String? = nil)
        -> DestinationPolicy.Request
    {
        DestinationPolicy.Request(host: host, port: port, method: method, user: user)
    }

    func verdict(
        _ policy: DestinationPolicy, _ host: String, _ port: Int, _ method: DestinationPolicy.Method = .plain,
        user: String? = nil, address: String? = nil
    ) -> DestinationPolicy.Verdict {
        policy.check(request(host, port, method, user: user), address: IPAddress(address ?? host))
    }

    @Test func defaultsDenyMetadataReservedAndPrivateAddresses() {
        let policy = DestinationPolicy()
        for host in ["169.254.169.254", "fe80::1", "fd00:ec2::254"] {
            #expect(verdict(policy, host, 80) == .denied(rule: "metadata"), "\(host)")
        }
        #expect(policy.check(request("metadata.google.internal", 80), address: nil) == .denied(rule: "metadata"))
        #expect(policy.check(request("Metadata.Google.Internal.", 80), address: nil) == .denied(rule: "metadata"))
        for host in ["0.0.0.0", "0.1.2.3", "::", "224.0.0.1", "239.255.255.250", "ff02::1", "255.255.255.255"] {
            #expect(verdict(policy, host, 80) == .denied(rule: "reserved-address"), "\(host)")
        }
        for host in [
            "127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1", "10.0.0.1", "172.16.5.5", "192.168.1.1", "100.64.0.1",
            "fc00::1", "fd12::1",
        ] {
            #expect(verdict(policy, host, 80) == .denied(rule: "private-address"), "\(host)")
        }
        for host in ["93.184.216.34", "2606:2800:220:1::1", "172.32.0.1", "100.128.0.1", "11.0.0.1"] {
            #expect(verdict(policy, host, 80) == .allowed, "\(host)")
        }
    }

    @Test func allowPrivateOpensLoopbackAndPrivateRangesOnly() {
        let policy = DestinationPolicy(allowPrivate: true)
        for host in ["127.0.0.1", "::1", "10.0.0.1", "192.168.1.1", "fc00::1"] {
            #expect(verdict(policy, host, 80) == .allowed, "\(host)")
        }
        #expect(verdict(policy, "169.254.169.254", 80) == .denied(rule: "metadata"))
        #expect(verdict(policy, "0.0.0.0", 80) == .denied(rule: "reserved-address"))
    }

    @Test func connectGoesOnlyToPort443ByDefault() {
        let policy = DestinationPolicy()
        #expect(verdict(policy, "93.184.216.34", 443, .connect) == .allowed)
        #expect(verdict(policy, "93.184.216.34", 22, .connect) == .denied(rule: "connect-port"))
        #expect(verdict(policy, "93.184.216.34", 8443, .plain) == .allowed, "plain requests may use any port")
        #expect(policy.check(request("example.com", 22, .connect), address: nil) == .denied(rule: "connect-port"))
    }

    @Test func aNameNeedsItsAddressUnlessARuleDeniesIt() {
        let policy = DestinationPolicy(rules: [Rule(name: "no-internal", action: .deny, hosts: [.init("*.internal")])])
        #expect(policy.check(request("example.com", 80), address: nil) == .needsAddress)
        #expect(policy.check(request("db.internal", 80), address: nil) == .denied(rule: "no-internal"))
        #expect(verdict(policy, "example.com", 80, address: "10.0.0.5") == .denied(rule: "private-address"))
        #expect(verdict(policy, "example.com", 80, address: "93.184.216.34") == .allowed)
    }

    @Test func hostPatternsMatchExactNamesAndSuffixes() {
        let policy = DestinationPolicy(
            allowPrivate: true,
            rules: [
                Rule(name: "exact", action: .deny, hosts: [.init("Example.com")]),
                Rule(name: "suffix", action: .deny, hosts: [.init("*.example.org")]),
            ])
        #expect(policy.check(request("example.com", 80), address: nil) == .denied(rule: "exact"))
        #expect(policy.check(request("EXAMPLE.COM.", 80), address: nil) == .denied(rule: "exact"))
        #expect(policy.check(request("www.example.com", 80), address: nil) == .needsAddress)
        #expect(policy.check(request("a.example.org", 80), address: nil) == .denied(rule: "suffix"))
        #expect(policy.check(request("a.b.example.org", 80), address: nil) == .denied(rule: "suffix"))
        #expect(policy.check(request("example.org", 80), address: nil) == .needsAddress, "the bare domain is not below")
        #expect(policy.check(request("badexample.org", 80), address: nil) == .needsAddress)
    }

    @Test func firstMatchingRuleWins() {
        let policy = DestinationPolicy(
            allowPrivate: true,
            rules: [
                Rule(name: "one-host", action: .allow, networks: [IPNetwork("10.0.0.7")!]),
                Rule(name: "rest-of-10", action: .deny, networks: [IPNetwork("10.0.0.0/8")!]),
            ])
        #expect(verdict(policy, "10.0.0.7", 80) == .allowed)
        #expect(verdict(policy, "10.0.0.8", 80) == .denied(rule: "rest-of-10"))
        #expect(verdict(policy, "192.168.0.1", 80) == .allowed)
    }

    @Test func rulesMatchPortsMethodsAndUsers() {
        let policy = DestinationPolicy(
            allowPrivate: true,
            rules: [
                Rule(name: "bob-nowhere", action: .deny, users: ["bob"]),
                Rule(name: "tunnels-high", action: .allow, ports: [8000...9000], methods: [.connect]),
                Rule(name: "no-plain-8080", action: .deny, ports: [8080...8080], methods: [.plain]),
            ])
        #expect(verdict(policy, "127.0.0.1", 80, user: "bob") == .denied(rule: "bob-nowhere"))
        #expect(verdict(policy, "127.0.0.1", 80, user: "alice") == .allowed)
        #expect(verdict(policy, "127.0.0.1", 80) == .allowed, "a user rule does not match requests without a user")
        #expect(verdict(policy, "127.0.0.1", 8500, .connect) == .allowed)
        #expect(verdict(policy, "127.0.0.1", 9001, .connect) == .denied(rule: "connect-port"))
        #expect(verdict(policy, "127.0.0.1", 8080, .plain) == .denied(rule: "no-plain-8080"))
        #expect(verdict(policy, "127.0.0.1", 8080, .connect) == .allowed)
    }

    @Test func anAllowByNameKeepsTheAddressDefaults() {
        let policy = DestinationPolicy(rules: [
            Rule(name: "partner", action: .allow, hosts: [.init("*.partner.test")], ports: [22...22])
        ])
        #expect(verdict(policy, "ssh.partner.test", 22, .connect, address: "93.184.216.34") == .allowed)
        #expect(
            verdict(policy, "ssh.partner.test", 22, .connect, address: "127.0.0.1") == .denied(rule: "private-address"),
            "a name rebound to loopback is still refused")
        #expect(verdict(policy, "ssh.partner.test", 22, .connect, address: "169.254.169.254") == .denied(rule: "metadata"))
    }

    @Test func anAllowByAddressOpensTheDefaults() {
        let policy = DestinationPolicy(rules: [
            Rule(name: "lab", action: .allow, networks: [IPNetwork("10.9.0.0/16")!, IPNetwork("169.254.169.254")!])
        ])
        #expect(verdict(policy, "10.9.1.1", 5432, .connect) == .allowed)
        #expect(verdict(policy, "169.254.169.254", 80) == .allowed)
        #expect(verdict(policy, "10.8.1.1", 80) == .denied(rule: "private-address"))
        #expect(policy.check(request("db.lab", 80), address: nil) == .needsAddress)
    }

    @Test func ownAddressesAreAlwaysDenied() {
        let endpoints = SelfEndpoints()
        endpoints.add(IPAddress("127.0.0.1")!, port: 3128)
        endpoints.add(IPAddress("0.0.0.0")!, port: 9090)
        endpoints.addLocalAddresses([IPAddress("192.0.2.10")!])
        let policy = DestinationPolicy(
            allowPrivate: true,
            rules: [Rule(name: "everything", action: .allow, networks: [IPNetwork("0.0.0.0/0")!, IPNetwork("::/0")!])],
            selfEndpoints: endpoints)
        #expect(verdict(policy, "127.0.0.1", 3128) == .denied(rule: "self-address"))
        #expect(verdict(policy, "0.0.0.0", 3128) == .denied(rule: "self-address"), "0.0.0.0 reaches the local host")
        #expect(verdict(policy, "127.0.0.2", 3128) == .allowed, "the listener is bound to 127.0.0.1 only")
        #expect(verdict(policy, "127.0.0.5", 9090) == .denied(rule: "self-address"))
        #expect(verdict(policy, "::1", 9090) == .denied(rule: "self-address"))
        #expect(verdict(policy, "192.0.2.10", 9090) == .denied(rule: "self-address"))
        #expect(verdict(policy, "192.0.2.11", 9090) == .allowed)
        #expect(verdict(policy, "127.0.0.1", 3129) == .allowed)
    }
}
