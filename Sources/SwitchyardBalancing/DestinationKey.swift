/// Normalises a destination so spellings of one host share one key: `CONNECT A.com:443`, `https://a.com/` and
/// `http://a.com:80/` all become `a.com`.
///
/// The key is lower-cased, loses a trailing dot and any IPv6 brackets, and names the port only when it is not one of
/// the scheme defaults 80 and 443: `a.com:8080`, or `[::1]:8080` for an IPv6 address (bracketed again so the port
/// stays unambiguous). Per-host policies such as `LRUPerHostPolicy` group their history by this key.
///
/// Thread-safety: stateless.
public enum DestinationKey {
    /// The key for `host` (a name, an IPv4 address, or an IPv6 address with or without brackets) and `port`.
    public static func make(host: String, port: Int) -> String {
        let bytes = host.utf8
        let plain =
            bytes.first != UInt8(ascii: "[") && bytes.last != UInt8(ascii: ".")
            && !bytes.contains {
                $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") || $0 == UInt8(ascii: ":") || $0 >= 0x80
            }
        if plain {
            // The usual spelling, already a key but for the port: no lower-casing copy, no interpolation buffer.
            return port == 80 || port == 443 ? host : host + ":" + String(port)
        }
        var name = Substring(host)
        if name.hasPrefix("["), name.hasSuffix("]") {
            name = name.dropFirst().dropLast()
        }
        if name.hasSuffix(".") {
            name = name.dropLast()
        }
        let lowered = name.lowercased()
        if port == 80 || port == 443 {
            return lowered
        }
        if lowered.contains(":") {
            return "[\(lowered)]:\(port)"
        }
        return "\(lowered):\(port)"
    }
}
