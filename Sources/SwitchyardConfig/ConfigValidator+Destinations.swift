/// The rules of `destinations` blocks.
extension ConfigValidator {
    /// Names the built-in destination rules go by, which configured rules may not take.
    static let builtInDestinationRules = [
        "self-address", "metadata", "reserved-address", "private-address", "connect-port",
    ]

    /// Checks a `destinations` block at `path`; `users` are the proxy users of its listener (nil for the root
    /// default, whose rules may name users of any listener).
    mutating func check(_ destinations: DestinationSettings, at path: String, users: [String]?) {
        var names: [String: Int] = [:]
        for (index, rule) in destinations.rules.enumerated() {
            let rulePath = ConfigPath.index(index, in: "\(path).rules")
            if let name = rule.name {
                if name.isEmpty || name.contains(where: \.isWhitespace) {
                    report("must be non-empty and contain no spaces", at: "\(rulePath).name")
                } else if Self.builtInDestinationRules.contains(name) {
                    report("\"\(name)\" is the name of a built-in rule", at: "\(rulePath).name")
                } else if let first = names[name] {
                    report("duplicate rule name \"\(name)\" (also rules[\(first)])", at: "\(rulePath).name")
                } else {
                    names[name] = index
                }
            }
            if !rule.hosts.isEmpty, !rule.cidrs.isEmpty {
                report(
                    "a rule matches by hosts or by cidrs, not both; split it into two rules", at: rulePath)
            }
            for (hostIndex, host) in rule.hosts.enumerated() where !Self.isHostPattern(host) {
                report(
                    "\"\(host)\" is not a host name or \"*.suffix\"", at: ConfigPath.index(hostIndex, in: "\(rulePath).hosts"))
            }
            for (cidrIndex, cidr) in rule.cidrs.enumerated() where !Self.isAddressBlock(cidr) {
                report(
                    "\"\(cidr)\" is not an address block; write e.g. \"10.0.0.0/8\", \"2001:db8::/32\" or one address",
                    at: ConfigPath.index(cidrIndex, in: "\(rulePath).cidrs"))
            }
            guard let users else { continue }
            for (userIndex, user) in rule.users.enumerated() where !users.contains(user) {
                let known = users.isEmpty ? "; the listener has no auth users" : Suggestion.didYouMean(user, in: users)
                report("no proxy user named \"\(user)\"\(known)", at: ConfigPath.index(userIndex, in: "\(rulePath).users"))
            }
        }
    }

    /// `name` or `*.suffix`: no spaces, no other wildcard.
    private static func isHostPattern(_ text: String) -> Bool {
        let name = text.hasPrefix("*.") ? String(text.dropFirst(2)) : text
        return !name.isEmpty && !name.contains(where: { $0.isWhitespace || $0 == "*" || $0 == "/" || $0 == "@" })
    }

    /// `ADDRESS/LENGTH` or one address.
    private static func isAddressBlock(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        let address = String(parts[0])
        let maximum: Int
        if IPAddress.isIPv4(address) {
            maximum = 32
        } else if IPAddress.isIPv6(address) {
            maximum = 128
        } else {
            return false
        }
        guard parts.count == 2 else { return true }
        guard !parts[1].isEmpty, parts[1].allSatisfy(\.isASCIIDigit), let length = Int(parts[1]) else { return false }
        return length <= maximum
    }
}
