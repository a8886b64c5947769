/// Byte-level text helpers for the request path: header names and tokens are ASCII, and comparing or trimming
/// them byte by byte avoids Unicode grapheme work on every request.
extension StringProtocol {
    /// Whether this text equals `lowercased` (which must be lower-case ASCII) ignoring ASCII case.
    func equalsIgnoringASCIICase(_ lowercased: String) -> Bool {
        let mine = utf8
        let theirs = lowercased.utf8
        guard mine.count == theirs.count else { return false }
        return zip(mine, theirs).allSatisfy { byte, lower in
            byte == lower || (byte &+ 32 == lower && byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
        }
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> Substring {
        let bytes = utf8
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !isBlank($0) }), let last = bytes.lastIndex(where: { !isBlank($0) })
        else { return "" }
        return Substring(bytes[first...last])  // byte indices: no Character stepping
    }
}
