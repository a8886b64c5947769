import Crypto

/// A short, stable name for a key that does not reveal it: the first 8 hex digits (32 bits) of its SHA-256, as
/// `GET /api/v1/security/keys` shows. Enough to tell keys apart and to match one against a config file, far too
/// little to recover or brute-force a key of reasonable length from.
enum KeyFingerprint {
    static func of(_ key: String) -> String {
        let digest = SHA256.hash(data: Array(key.utf8))
        let hexDigits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in digest.prefix(4) {
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
